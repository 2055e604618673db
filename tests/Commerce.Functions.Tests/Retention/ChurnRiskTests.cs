using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Catalog.Customers;
using Commerce.Functions.Tests.Checkout;
using Commerce.Orders.Orders;
using Commerce.Retention.Campaigns;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Retention;

/// <summary>
/// The churn model through the app: trained over the admin API into the registry, live on its own, every active
/// customer scored with it, the risk shown per customer and by segment, and a campaign that targets a risk band.
/// </summary>
public sealed class ChurnRiskTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private Shop _shop = null!;
    private HttpClient _admin = null!;
    private readonly List<(string Id, bool Stopped)> _customers = [];

    public async Task InitializeAsync()
    {
        _shop = await Shop.OpenAsync(new Dictionary<string, string>
        {
            ["Churn:HorizonDays"] = "30",
            ["Churn:RefreshInterval"] = "00:00:01",
            ["Notifications:QuietHours"] = "00:00-00:00",
            ["Campaigns:MessagesPerSecond"] = "1000",
        });
        _admin = _shop.Admin();
        var customers = _shop.App.Services.GetRequiredService<CustomerService>();
        var orders = _shop.App.Services.GetRequiredService<OrderRepository>();
        var random = new Random(9);
        // Weekly buyers; half of them stop for good at some point of the last 120 days.
        for (var c = 0; c < 200; c++)
        {
            var id = $"weekly-{c:D3}";
            var stop = random.NextDouble() < 0.5 ? random.Next(1, 120) : 0;
            _customers.Add((id, stop > 0));
            await customers.PutAsync(new Customer { Id = id, Email = $"{id}@example.com", CreatedAt = Now.AddDays(-200) }, null);
            for (var day = 180 - random.Next(7); day > stop; day -= 7)
            {
                var at = Now.AddDays(-day);
                await orders.CreateAsync(new Order
                {
                    Id = $"{id}-{day}", CustomerId = id, Status = OrderStatus.Completed, Currency = "GBP", Lines = [new OrderLine("MUG", "Red mug", 2, 10m, 20m)],
                    Total = 20m, PaymentMethod = "history-import", PlacedAt = at, PaidAt = at, CompletedAt = at,
                });
            }
        }
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _shop.DisposeAsync();
    }

    [Fact]
    public async Task A_trained_churn_model_goes_live_scores_every_active_customer_and_campaigns_target_its_bands()
    {
        var trained = await _admin.PostAsync("/api/models/churn/train", null);
        Assert.Equal(HttpStatusCode.OK, trained.StatusCode);
        var report = (await trained.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True((bool)report["promoted"]!, report.ToJsonString());
        var version = (string)report["version"]!;
        Assert.True((double)report["metrics"]!["auc"]! > 0.8, report.ToJsonString());

        var summary = (await Poll.UntilAsync(async () =>
        {
            var response = await _admin.GetAsync("/api/retention/risk");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonObject>() : null;
        }, risk => (string?)risk?["modelVersion"] == version, TimeSpan.FromSeconds(60), "the risk to be scored with the trained model", TimeSpan.FromMilliseconds(200)))!;
        // Active: an order in the last year, which is everyone here.
        Assert.Equal(_customers.Count, (int)summary["customers"]!);
        Assert.Equal(_customers.Count, summary["segments"]!.AsArray().Sum(s => (int)s!["low"]! + (int)s["medium"]! + (int)s["high"]!));

        // Those who stopped long ago are riskier than those who never stopped.
        var risks = new Dictionary<string, JsonObject>();
        foreach (var (id, _) in _customers)
            risks[id] = (await _admin.GetFromJsonAsync<JsonObject>($"/api/retention/risk/{id}"))!;
        double Mean(IEnumerable<string> ids) => ids.Average(i => (double)risks[i]["probability"]!);
        Assert.True(Mean(_customers.Where(c => c.Stopped).Select(c => c.Id)) > Mean(_customers.Where(c => !c.Stopped).Select(c => c.Id)) + 0.2);
        var riskiest = risks.Values.OrderByDescending(r => (double)r["probability"]!).First();
        Assert.Equal("high", (string?)riskiest["band"]);
        Assert.StartsWith("no order for ", (string)riskiest["reasons"]![0]!["text"]!);

        var models = (await _admin.GetFromJsonAsync<JsonArray>("/api/models"))!;
        var churn = models.Single(m => (string?)m!["kind"] == "churn")!;
        Assert.Equal(version, (string?)churn["liveVersion"]);

        // A campaign aimed at the high band reaches exactly the customers scored high.
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/retention/rules", new { rules = new object[] { new { id = "save", risk = "high", action = new { kind = "coupon", percentOff = 10, validDays = 14 } } } })).StatusCode);
        var started = await CampaignTests.StartCampaignAsync(_admin, new { name = "Save the high-risk", measurementWindow = "00:00:02" });
        var campaignId = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await Poll.UntilAsync(async () => (string?)(await _admin.GetFromJsonAsync<JsonObject>($"/api/retention/campaigns/{campaignId}"))!["status"], status => status == "completed",
            TimeSpan.FromSeconds(60), "the campaign to finish", TimeSpan.FromMilliseconds(200));
        var members = await _shop.App.Services.GetRequiredService<CampaignStore>().MembersAsync(campaignId);
        Assert.Equal(risks.Where(r => (string?)r.Value["band"] == "high").Select(r => r.Key).Order(), members.Select(m => m.CustomerId).Order());
    }
}
