using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Analytics.Lake;
using Commerce.Hosting.Auth;
using Commerce.Orders.Orders;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Experiments;

/// <summary>
/// The app on a real port with simulated buyers. 400 customers ask for their assignment in two experiments on the
/// home slot: "button" (control 'a', treatment 'b'), where treatment buyers truly convert and click more, and
/// "banner", an A/A-like split of the same customers by a different hash, where nothing differs but chance. Clicks
/// go through the events API, orders into the lake as completed orders, both after exposure; seed 14.
/// </summary>
public sealed class ExperimentShop : IAsyncLifetime
{
    public const int Customers = 400;
    public const int Horizon = 150;
    public const double ControlConversion = 0.10;
    public const double TreatmentConversion = 0.30;
    public const double ControlClick = 0.05;
    public const double TreatmentClick = 0.10;
    public const int ShownPerCustomer = 10;

    public FunctionAppHarness App { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public string Button { get; private set; } = null!;
    public string Banner { get; private set; } = null!;
    /// <summary>Customers in the order they were exposed.</summary>
    public List<string> Exposed { get; } = [];
    public Dictionary<string, string> ButtonVariant { get; } = [];
    public Dictionary<string, string> BannerVariant { get; } = [];
    public Dictionary<string, int> Clicks { get; } = [];
    public Dictionary<string, decimal> Revenue { get; } = [];

    public async Task InitializeAsync()
    {
        App = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string>
        {
            ["Catalog:SeedDemoData"] = "false",
            ["RateLimits:Enabled"] = "false",
        });
        Admin = App.ClientFor("ops", Roles.Admin);
        Button = await StartedAsync(Admin, "button");
        Banner = await StartedAsync(Admin, "banner");

        var random = new Random(14);
        var orders = new List<Order>();
        var started = DateTimeOffset.UtcNow;
        for (var i = 0; i < Customers; i++)
        {
            var customer = $"buyer-{i:D3}";
            using var client = App.ClientFor(customer);
            ButtonVariant[customer] = (string)(await client.GetFromJsonAsync<JsonObject>($"/api/experiments/{Button}/assignment"))!["variant"]!;
            BannerVariant[customer] = (string)(await client.GetFromJsonAsync<JsonObject>($"/api/experiments/{Banner}/assignment"))!["variant"]!;
            Exposed.Add(customer);
            var treated = ButtonVariant[customer] == "b";
            // After the exposure, and before the stop that each test makes once the fixture is done.
            var after = DateTimeOffset.UtcNow.AddMilliseconds(1);
            var events = new List<object>();
            for (var n = 0; n < ShownPerCustomer; n++)
            {
                events.Add(new { id = $"s{n}", type = "recommendation_shown", timestamp = after, sku = "SKU-1", slot = "home", position = n });
                if (random.NextDouble() < (treated ? TreatmentClick : ControlClick))
                {
                    events.Add(new { id = $"c{n}", type = "recommendation_clicked", timestamp = after, sku = "SKU-1", slot = "home", position = n });
                    Clicks[customer] = Clicks.GetValueOrDefault(customer) + 1;
                }
            }
            // Shown before the exposure: not the experiment's doing, so not counted.
            events.Add(new { id = "early", type = "recommendation_clicked", timestamp = started.AddMinutes(-5), sku = "SKU-1", slot = "home", position = 0 });
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/events", new { events })).StatusCode);
            if (random.NextDouble() < (treated ? TreatmentConversion : ControlConversion))
            {
                var total = Math.Round(20m + (decimal)(random.NextDouble() * 60), 2);
                orders.Add(Completed($"o-{customer}", customer, total, after));
                Revenue[customer] = total;
            }
            // An order before any exposure, which no experiment may count.
            if (i % 10 == 0)
                orders.Add(Completed($"old-{customer}", customer, 99m, started.AddDays(-3)));
        }
        await App.Services.GetRequiredService<LakeWriter>().WriteAsync(new LakeBatch([], [], orders, [], DateTimeOffset.UtcNow));
        await LakeRows.QueryAsync(App.Services, "SELECT 1");
    }

    public static async Task<string> StartedAsync(HttpClient admin, string id)
    {
        var created = await admin.PostAsJsonAsync("/api/experiments", new
        {
            id, name = $"The {id} test", target = "home", currency = "GBP", exposuresPerVariant = Horizon, attributionDays = 7,
            variants = new[] { new { name = "a", weight = 1 }, new { name = "b", weight = 1 } },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(id, (string?)(await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/experiments/{id}/start", null)).StatusCode);
        return id;
    }

    private static Order Completed(string id, string customer, decimal total, DateTimeOffset at) => new()
    {
        Id = id,
        CustomerId = customer,
        Status = OrderStatus.Completed,
        Currency = "GBP",
        Lines = [new OrderLine("SKU-1", "Item", 1, total, total)],
        Total = total,
        PaymentMethod = "pm_card_visa",
        PlacedAt = at,
        CompletedAt = at,
    };

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public sealed class ExperimentsApiTests(ExperimentShop shop) : IClassFixture<ExperimentShop>
{
    private static JsonObject Variant(JsonObject result, string name) => result["variants"]!.AsArray().Single(v => (string?)v!["name"] == name)!.AsObject();

    private async Task<JsonObject> StopAndReadAsync(string id)
    {
        await shop.Admin.PostAsync($"/api/experiments/{id}/stop", null);
        var response = await shop.Admin.GetAsync($"/api/experiments/{id}/results");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    /// <summary>The assignment rule, computed here on its own: SHA-256 of "experiment\nsubject", top 53 bits as a fraction of the weights.</summary>
    private static string Expected(string experiment, string subject)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{experiment}\n{subject}"));
        var fraction = (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) / Math.Pow(2, 53);
        return fraction < 0.5 ? "a" : "b";
    }

    [Fact]
    public async Task Assignment_is_the_stable_hash_and_each_exposure_reaches_the_lake_once()
    {
        Assert.All(shop.ButtonVariant, p => Assert.Equal(Expected(shop.Button, p.Key), p.Value));
        using var client = shop.App.ClientFor("buyer-001");
        var again = await client.GetFromJsonAsync<JsonObject>($"/api/experiments/{shop.Button}/assignment");
        Assert.Equal(shop.ButtonVariant["buyer-001"], (string?)again!["variant"]);

        var rows = await LakeRows.QueryAsync(shop.App.Services,
            "SELECT customer_id, variant, count(*) FROM events WHERE type = 'experiment_exposed' AND experiment = $1 GROUP BY ALL", shop.Button);
        Assert.Equal(ExperimentShop.Customers, rows.Count);
        Assert.All(rows, r => Assert.Equal([shop.ButtonVariant[r[0]], "1"], r[1..]));
    }

    [Fact]
    public async Task A_known_effect_is_found_with_counts_recounted_from_the_simulation()
    {
        var result = await StopAndReadAsync(shop.Button);

        Assert.True((bool)result["readable"]!, result.ToJsonString());
        Assert.False((bool)result["sampleRatio"]!["mismatch"]!);
        foreach (var name in new[] { "a", "b" })
        {
            var members = Analysed(name);
            var variant = Variant(result, name);
            Assert.Equal(members.Count, (int)variant["exposures"]!);
            Assert.Equal(members.Count * ExperimentShop.ShownPerCustomer, (int)variant["impressions"]!);
            Assert.Equal(members.Sum(m => shop.Clicks.GetValueOrDefault(m)), (int)variant["clicks"]!);
            Assert.Equal(members.Count(shop.Revenue.ContainsKey), (int)variant["buyers"]!);
            Assert.Equal(members.Sum(m => shop.Revenue.GetValueOrDefault(m)), (decimal)variant["revenue"]!);
        }

        var conversion = Variant(result, "b")["conversionVsControl"]!;
        Assert.True((bool)conversion["significant"]!);
        Assert.True((double)conversion["lower"]! > 0);
        // The pooled two-proportion z-test, recomputed from the recounts with an independent normal tail.
        var (x0, n0) = Counts("a");
        var (x1, n1) = Counts("b");
        var pooled = (double)(x0 + x1) / (n0 + n1);
        var z = ((double)x1 / n1 - (double)x0 / n0) / Math.Sqrt(pooled * (1 - pooled) * (1.0 / n0 + 1.0 / n1));
        Assert.Equal(ReferenceDistributions.TwoSidedNormalTail(z), (double)conversion["pValue"]!, 1e-6);
        Assert.Equal((double)x1 / n1 - (double)x0 / n0, (double)conversion["difference"]!, 1e-12);
    }

    [Fact]
    public async Task No_effect_is_found_where_there_is_none()
    {
        var result = await StopAndReadAsync(shop.Banner);

        Assert.True((bool)result["readable"]!, result.ToJsonString());
        var treatment = Variant(result, "b");
        foreach (var comparison in new[] { "conversionVsControl", "ctrVsControl", "revenuePerBuyerVsControl" })
            Assert.False((bool)treatment[comparison]!["significant"]!, $"{comparison}: {treatment[comparison]}");
        Assert.Contains("no variant differs", (string?)result["verdict"]);
    }

    [Fact]
    public async Task A_stopped_experiment_keeps_the_exposed_in_their_variant_and_enrolls_nobody_new()
    {
        var id = await ExperimentShop.StartedAsync(shop.Admin, "frozen");
        using var early = shop.App.ClientFor("early-bird");
        var before = (await early.GetFromJsonAsync<JsonObject>($"/api/experiments/{id}/assignment"))!;
        Assert.Equal(HttpStatusCode.OK, (await shop.Admin.PostAsync($"/api/experiments/{id}/stop", null)).StatusCode);

        var after = (await early.GetFromJsonAsync<JsonObject>($"/api/experiments/{id}/assignment"))!;
        using var late = shop.App.ClientFor(Enumerable.Range(0, 50).Select(i => $"late-{i}").First(c => Expected(id, c) == "b"));
        var lateAnswer = (await late.GetFromJsonAsync<JsonObject>($"/api/experiments/{id}/assignment"))!;

        Assert.Equal((string?)before["variant"], (string?)after["variant"]);
        Assert.True((bool)after["enrolled"]!);
        Assert.Equal("a", (string?)lateAnswer["variant"]);
        Assert.False((bool)lateAnswer["enrolled"]!);
        var exposed = await LakeRows.QueryAsync(shop.App.Services, "SELECT customer_id FROM events WHERE type = 'experiment_exposed' AND experiment = $1", id);
        Assert.Equal(["early-bird"], exposed.Select(r => r[0]));
        Assert.Equal(HttpStatusCode.Conflict, (await shop.Admin.PostAsync($"/api/experiments/{id}/start", null)).StatusCode);
        var results = await shop.Admin.GetFromJsonAsync<JsonObject>($"/api/experiments/{id}/results");
        Assert.False((bool)results!["readable"]!);
        Assert.StartsWith("Collecting", (string?)results["verdict"]);
    }

    [Fact]
    public async Task A_bad_declaration_names_each_field_and_creates_nothing()
    {
        var response = await shop.Admin.PostAsJsonAsync("/api/experiments", new
        {
            id = "Not An Id", name = "", target = "home page", currency = "XXX", exposuresPerVariant = 10, attributionDays = 0,
            variants = new object[] { new { name = "a", weight = 0 }, new { name = "a" } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["attributionDays", "currency", "exposuresPerVariant", "id", "name", "target", "variants", "variants[0].weight"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await shop.Admin.GetAsync("/api/experiments/no-such-experiment")).StatusCode);
        var again = await shop.Admin.PostAsJsonAsync("/api/experiments", new
        {
            id = shop.Button, name = "redefined", target = "cart", currency = "GBP", exposuresPerVariant = 100,
            variants = new[] { new { name = "x", weight = 1 }, new { name = "y", weight = 9 } },
        });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var kept = (await shop.Admin.GetFromJsonAsync<JsonObject>($"/api/experiments/{shop.Button}"))!;
        Assert.Equal("home", (string?)kept["target"]);
        Assert.Equal("a", (string?)kept["variants"]![0]!["name"]);
    }

    private (int Buyers, int Exposed) Counts(string variant)
    {
        var members = Analysed(variant);
        return (members.Count(shop.Revenue.ContainsKey), members.Count);
    }

    /// <summary>The fixed horizon recounted: customers exposed up to the one that gave the slower variant its last needed exposure.</summary>
    private List<string> Analysed(string variant)
    {
        var last = new[] { "a", "b" }.Max(v => shop.Exposed.Select((c, i) => (c, i)).Where(p => shop.ButtonVariant[p.c] == v).ElementAt(ExperimentShop.Horizon - 1).i);
        return shop.Exposed.Take(last + 1).Where(c => shop.ButtonVariant[c] == variant).ToList();
    }
}
