using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Analytics.Features;
using Commerce.Analytics.Lake;
using Commerce.Catalog.Customers;
using Commerce.Functions.Tests.Checkout;
using Commerce.Intelligence.Churn;
using Commerce.Intelligence.Models;
using Commerce.Orders.Orders;
using Commerce.Retention.Campaigns;
using Commerce.Testing;
using Commerce.Retention.Risk;
using Commerce.Storage.Blobs;
using Commerce.Storage.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Retention;

/// <summary>
/// A shop whose weekly buyers (half of whom stop for good at some point of the last 120 days) are in the order store
/// and in the lake, with their insights computed; a churn model trained once over the admin API, promoted, and every
/// active customer scored with it. One more customer last ordered more than two years ago: in the lake and the
/// insights, but older than the order history that training and scoring read, so never scored.
/// </summary>
public sealed class ChurnShop : IAsyncLifetime
{
    public const string Lapsed = "lapsed-001";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly List<(string Id, bool Stopped)> _customers = [];

    public Shop Shop { get; private set; } = null!;

    /// <summary>The active customers, and whether each one stopped buying.</summary>
    public IReadOnlyList<(string Id, bool Stopped)> Customers => _customers;

    /// <summary>What POST /api/models/churn/train answered.</summary>
    public JsonObject Training { get; private set; } = null!;

    /// <summary>GET /api/retention/risk once it came from the trained version.</summary>
    public JsonObject Summary { get; private set; } = null!;

    public string Version => (string)Training["version"]!;

    /// <summary>The live version before training, which this build cannot read.</summary>
    public string Unreadable { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Shop = await Shop.OpenAsync(new Dictionary<string, string>
        {
            ["Churn:HorizonDays"] = "30",
            ["Churn:RefreshInterval"] = "00:00:01",
            ["Notifications:QuietHours"] = "00:00-00:00",
            ["Campaigns:MessagesPerSecond"] = "1000",
        });
        var customers = Shop.App.Services.GetRequiredService<CustomerService>();
        var orders = Shop.App.Services.GetRequiredService<OrderRepository>();
        var placed = new List<Order>();
        async Task BuyAsync(string id, int day)
        {
            var at = Now.AddDays(-day);
            var order = new Order
            {
                Id = $"{id}-{day}", CustomerId = id, Status = OrderStatus.Completed, Currency = "GBP", Lines = [new OrderLine("MUG", "Red mug", 2, 10m, 20m)],
                Total = 20m, PaymentMethod = "history-import", PlacedAt = at, PaidAt = at, CompletedAt = at,
            };
            await orders.CreateAsync(order);
            placed.Add(order);
        }
        var random = new Random(9);
        for (var c = 0; c < 200; c++)
        {
            var id = $"weekly-{c:D3}";
            var stop = random.NextDouble() < 0.5 ? random.Next(1, 120) : 0;
            _customers.Add((id, stop > 0));
            await customers.PutAsync(new Customer { Id = id, Email = $"{id}@example.com", CreatedAt = Now.AddDays(-200) }, null);
            for (var day = 180 - random.Next(7); day > stop; day -= 7)
                await BuyAsync(id, day);
        }
        await customers.PutAsync(new Customer { Id = Lapsed, Email = $"{Lapsed}@example.com", CreatedAt = Now.AddDays(-500) }, null);
        await BuyAsync(Lapsed, 800);
        await BuyAsync(Lapsed, 820);

        // The same orders in the lake, as compaction would have put them, so the insights see what scoring sees.
        await Shop.App.Services.GetRequiredService<LakeWriter>().WriteAsync(new LakeBatch([], [], placed, [], Now));
        await Shop.App.Services.GetRequiredService<CustomerInsightsService>().RecomputeAllAsync(DateTime.UtcNow);

        Unreadable = await ForgeLiveVersionWithAnInputThisBuildDoesNotComputeAsync();
        using var admin = Shop.Admin();
        var trained = await admin.PostAsync("/api/models/churn/train", null);
        Assert.Equal(HttpStatusCode.OK, trained.StatusCode);
        Training = (await trained.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True((bool)Training["promoted"]!, Training.ToJsonString());
        Summary = (await Poll.UntilAsync(async () =>
        {
            var response = await admin.GetAsync("/api/retention/risk");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonObject>() : null;
        }, risk => (string?)risk?["modelVersion"] == Version, TimeSpan.FromSeconds(60), "the risk to be scored with the trained model", TimeSpan.FromMilliseconds(200)))!;
    }

    public async Task DisposeAsync() => await Shop.DisposeAsync();

    /// <summary>A live version from an older build, whose model reads an input this build no longer computes.</summary>
    private async Task<string> ForgeLiveVersionWithAnInputThisBuildDoesNotComputeAsync()
    {
        const string version = "20200101-000000-0ld0ld";
        var container = await Shop.App.Services.GetRequiredService<IBlobStore>().GetContainerAsync(ModelRegistry.Container);
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

/// <summary>
/// The churn model through the app: trained over the admin API into the registry, live on its own, every active
/// customer scored with it, the risk shown per customer, in the back office's customer insights and in the segment
/// view (never to the customer), and a campaign that targets a risk band.
/// </summary>
public sealed class ChurnRiskTests(ChurnShop churn) : IClassFixture<ChurnShop>
{
    private async Task<Dictionary<string, JsonObject>> RisksAsync(HttpClient admin)
    {
        var risks = new Dictionary<string, JsonObject>();
        foreach (var (id, _) in churn.Customers)
            risks[id] = (await admin.GetFromJsonAsync<JsonObject>($"/api/retention/risk/{id}"))!;
        return risks;
    }

    [Fact]
    public async Task A_trained_churn_model_replaces_a_live_one_this_build_cannot_read_scores_every_active_customer_and_campaigns_target_its_bands()
    {
        using var admin = churn.Shop.Admin();
        Assert.True((double)churn.Training["metrics"]!["auc"]! > 0.8, churn.Training.ToJsonString());
        var summary = churn.Summary;
        // Active: an order in the last year, which is everyone here but the lapsed customer.
        Assert.Equal(churn.Customers.Count, (int)summary["customers"]!);
        Assert.Equal(churn.Customers.Count, summary["segments"]!.AsArray().Sum(s => (int)s!["low"]! + (int)s["medium"]! + (int)s["high"]!));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/retention/risk/{ChurnShop.Lapsed}")).StatusCode);
        Assert.StartsWith($"promoted: live version {churn.Unreadable} could not be read: ", (string)churn.Training["decision"]!);
        Assert.Contains("days_since_fax", (string)churn.Training["decision"]!);

        // Those who stopped long ago are riskier than those who never stopped.
        var risks = await RisksAsync(admin);
        double Mean(IEnumerable<string> ids) => ids.Average(i => (double)risks[i]["probability"]!);
        Assert.True(Mean(churn.Customers.Where(c => c.Stopped).Select(c => c.Id)) > Mean(churn.Customers.Where(c => !c.Stopped).Select(c => c.Id)) + 0.2);
        var riskiest = risks.Values.OrderByDescending(r => (double)r["probability"]!).First();
        Assert.Equal("high", (string?)riskiest["band"]);
        Assert.StartsWith("no order for ", (string)riskiest["reasons"]![0]!["text"]!);

        var models = (await admin.GetFromJsonAsync<JsonArray>("/api/models"))!;
        var live = models.Single(m => (string?)m!["kind"] == "churn")!;
        Assert.Equal(churn.Version, (string?)live["liveVersion"]);
        var manifest = live["versions"]!.AsArray().Single(v => (string?)v!["manifest"]!["version"] == churn.Version)!["manifest"]!;
        Assert.Equal(((string?)churn.Training["decision"], churn.Unreadable), ((string?)manifest["decision"], (string?)manifest["liveVersion"]));

        // A campaign aimed at the high band reaches exactly the customers scored high.
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/retention/rules", new { rules = new object[] { new { id = "save", risk = "high", action = new { kind = "coupon", percentOff = 10, validDays = 14 } } } })).StatusCode);
        var started = await CampaignTests.StartCampaignAsync(admin, new { name = "Save the high-risk", measurementWindow = "00:00:02" });
        var campaignId = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await Poll.UntilAsync(async () => (string?)(await admin.GetFromJsonAsync<JsonObject>($"/api/retention/campaigns/{campaignId}"))!["status"], status => status == "completed",
            TimeSpan.FromSeconds(60), "the campaign to finish", TimeSpan.FromMilliseconds(200));
        var members = await churn.Shop.App.Services.GetRequiredService<CampaignStore>().MembersAsync(campaignId);
        Assert.Equal(risks.Where(r => (string?)r.Value["band"] == "high").Select(r => r.Key).Order(), members.Select(m => m.CustomerId).Order());
    }

    [Fact]
    public async Task The_back_office_sees_each_customers_stored_churn_risk_in_their_insights_and_the_customer_does_not()
    {
        using var admin = churn.Shop.Admin();
        var risks = await RisksAsync(admin);
        foreach (var (id, _) in churn.Customers)
        {
            var insights = (await admin.GetFromJsonAsync<JsonObject>($"/api/customers/{id}/insights"))!;
            Assert.Equal(id, (string?)insights["features"]!["customerId"]);
            Assert.True(JsonNode.DeepEquals(risks[id], insights["churnRisk"]), $"{id}: {insights["churnRisk"]?.ToJsonString()} is not {risks[id].ToJsonString()}");
        }
        var riskiest = risks.Values.MaxBy(r => (double)r["probability"]!)!;
        var shown = (await admin.GetFromJsonAsync<JsonObject>($"/api/customers/{riskiest["customerId"]}/insights"))!["churnRisk"]!;
        Assert.Equal((churn.Version, "high"), ((string?)shown["modelVersion"], (string?)shown["band"]));
        Assert.StartsWith("no order for ", (string)shown["reasons"]![0]!["text"]!);

        var lapsed = (await admin.GetFromJsonAsync<JsonObject>($"/api/customers/{ChurnShop.Lapsed}/insights"))!;
        Assert.Equal(ChurnShop.Lapsed, (string?)lapsed["features"]!["customerId"]);
        Assert.True(lapsed.ContainsKey("churnRisk"));
        Assert.Null(lapsed["churnRisk"]);

        using var customer = churn.Shop.Customer((string)riskiest["customerId"]!);
        var mine = await customer.GetAsync("/api/customers/me/insights");
        Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        var text = await mine.Content.ReadAsStringAsync();
        Assert.Equal((string?)riskiest["customerId"], (string?)JsonNode.Parse(text)!["features"]!["customerId"]);
        Assert.DoesNotContain("churnRisk", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("probability", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("no order for", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_segment_view_counts_each_segments_scored_customers_by_risk_band_as_a_recount_of_their_risks_does()
    {
        using var admin = churn.Shop.Admin();
        var risks = await RisksAsync(admin);
        // Each customer's risk counts in the segment they were in when scored.
        var expected = risks.Values.GroupBy(r => (string)r["segment"]!).ToDictionary(g => g.Key, g => (
            Low: g.Count(r => (string?)r["band"] == "low"),
            Medium: g.Count(r => (string?)r["band"] == "medium"),
            High: g.Count(r => (string?)r["band"] == "high"),
            Mean: g.Average(r => (double)r["probability"]!)));

        var view = (await admin.GetFromJsonAsync<JsonObject>("/api/analytics/segments"))!;

        Assert.Equal((churn.Version, churn.Customers.Count), ((string?)view["risk"]!["modelVersion"], (int)view["risk"]!["customers"]!));
        // The lapsed customer is in a segment but was never scored.
        Assert.Equal(churn.Customers.Count + 1, (int)view["customers"]!);
        var segments = view["segments"]!.AsArray().Select(s => s!.AsObject()).ToList();
        foreach (var segment in segments)
        {
            var name = (string)segment["segment"]!;
            if (!expected.TryGetValue(name, out var recount))
            {
                Assert.Null(segment["risk"]);
                continue;
            }
            var risk = segment["risk"]!;
            Assert.Equal((recount.Low, recount.Medium, recount.High), ((int)risk["low"]!, (int)risk["medium"]!, (int)risk["high"]!));
            Assert.Equal(recount.Mean, (double)risk["meanProbability"]!, 4);
        }
        Assert.Equal(churn.Customers.Count, segments.Sum(s => s["risk"] is { } r ? (int)r["low"]! + (int)r["medium"]! + (int)r["high"]! : 0));
    }
}
