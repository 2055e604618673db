using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Catalog.Customers;
using Commerce.Functions.Tests.Checkout;
using Commerce.Intelligence.Churn;
using Commerce.Intelligence.Models;
using Commerce.Orders.Orders;
using Commerce.Retention.Campaigns;
using Commerce.Retention.Risk;
using Commerce.Storage.Blobs;
using Commerce.Storage.Documents;
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
    public async Task A_trained_churn_model_replaces_a_live_one_this_build_cannot_read_scores_every_active_customer_and_campaigns_target_its_bands()
    {
        var unreadable = await ForgeLiveVersionWithAnInputThisBuildDoesNotComputeAsync();

        var trained = await _admin.PostAsync("/api/models/churn/train", null);
        Assert.Equal(HttpStatusCode.OK, trained.StatusCode);
        var report = (await trained.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True((bool)report["promoted"]!, report.ToJsonString());
        Assert.StartsWith($"promoted: live version {unreadable} could not be read: ", (string)report["decision"]!);
        Assert.Contains("days_since_fax", (string)report["decision"]!);
        var version = (string)report["version"]!;
        Assert.True((double)report["metrics"]!["auc"]! > 0.8, report.ToJsonString());

        JsonObject summary;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(200))
        {
            var response = await _admin.GetAsync("/api/retention/risk");
            if (response.StatusCode == HttpStatusCode.OK && (string?)(summary = (await response.Content.ReadFromJsonAsync<JsonObject>())!)["modelVersion"] == version)
                break;
            Assert.True(DateTime.UtcNow < deadline, "the risk was never scored with the trained model");
        }
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
        var manifest = churn["versions"]!.AsArray().Single(v => (string?)v!["manifest"]!["version"] == version)!["manifest"]!;
        Assert.Equal(((string?)report["decision"], unreadable), ((string?)manifest["decision"], (string?)manifest["liveVersion"]));

        // A campaign aimed at the high band reaches exactly the customers scored high.
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/retention/rules", new { rules = new object[] { new { id = "save", risk = "high", action = new { kind = "coupon", percentOff = 10, validDays = 14 } } } })).StatusCode);
        var started = await CampaignTests.StartCampaignAsync(_admin, new { name = "Save the high-risk", measurementWindow = "00:00:02" });
        var campaignId = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); (string?)(await _admin.GetFromJsonAsync<JsonObject>($"/api/retention/campaigns/{campaignId}"))!["status"] != "completed"; await Task.Delay(200))
            Assert.True(DateTime.UtcNow < deadline, "the campaign did not finish");
        var members = await _shop.App.Services.GetRequiredService<CampaignStore>().MembersAsync(campaignId);
        Assert.Equal(risks.Where(r => (string?)r.Value["band"] == "high").Select(r => r.Key).Order(), members.Select(m => m.CustomerId).Order());
    }

    /// <summary>A live version from an older build, whose model reads an input this build no longer computes.</summary>
    private async Task<string> ForgeLiveVersionWithAnInputThisBuildDoesNotComputeAsync()
    {
        const string version = "20200101-000000-0ld0ld";
        var container = await _shop.App.Services.GetRequiredService<IBlobStore>().GetContainerAsync(ModelRegistry.Container);
        var files = new Dictionary<string, byte[]>
        {
            [ChurnModel.InputsFile] = Encoding.UTF8.GetBytes("""{"Inputs":["days_since_fax"],"Typical":[3]}"""),
            [ChurnModel.PipelineFile] = [1, 2, 3],
        };
        foreach (var (name, content) in files)
            await container.PutAsync($"{ChurnModelKind.Name}/{version}/{name}", content);
        var window = new DataWindow(Now.AddDays(-60), Now.AddDays(-30));
        await container.PutAsync($"{ChurnModelKind.Name}/{version}/{ModelRegistry.ManifestFile}", DocumentJson.Serialize(new ModelManifest
        {
            Kind = ChurnModelKind.Name, Version = version, TrainedAt = Now.AddDays(-30), TrainingSeconds = 1, Data = window, Holdout = window,
            PrimaryMetric = "auc", Metrics = new Dictionary<string, double> { ["auc"] = 0.99 }, Parameters = new Dictionary<string, string>(),
            CodeVersion = "old", Files = [.. files.Keys], Decision = "promoted: no live model",
        }));
        await container.PutAsync($"{ChurnModelKind.Name}/{ModelRegistry.LatestBlob}", DocumentJson.Serialize(new LatestPointer(version, Now.AddDays(-30), "promoted: no live model")));
        return version;
    }
}
