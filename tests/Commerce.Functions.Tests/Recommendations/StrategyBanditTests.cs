using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Experiments.Bandits;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Recommendations;

/// <summary>The strategy bandit over real HTTP: lists name their strategy, and the record the bandit learns from is the lake's shown and clicked events.</summary>
public sealed class StrategyBanditTests : IAsyncLifetime
{
    private static readonly string[] Strategies = ["ranker", "reorder-first", "popular"];
    private FunctionAppHarness _app = null!;

    public async Task InitializeAsync() =>
        _app = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string>
        {
            ["Catalog:SeedDemoData"] = "false",
            ["RateLimits:Enabled"] = "false",
            ["Recommendations:Strategies"] = string.Join(",", Strategies),
            ["Recommendations:StrategyRefresh"] = "00:00:01",
        });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_slot_learns_the_strategy_whose_lists_are_clicked_and_lists_name_it()
    {
        using var buyer = _app.ClientFor("bandit-buyer");
        var first = (await buyer.GetFromJsonAsync<JsonObject>("/api/recommendations?slot=home"))!;
        Assert.Equal(StrategyBandit.Experiment, (string?)first["experiment"]);
        Assert.Contains((string?)first["variant"], Strategies);
        var anonymous = (await _app.Client.GetFromJsonAsync<JsonObject>("/api/recommendations?slot=home"))!;
        Assert.Null((string?)anonymous["variant"]);

        // 100 lists of each strategy shown on home; only popular's are clicked, a third of the time. On cart, nothing.
        var now = DateTimeOffset.UtcNow;
        var events = new List<object>();
        foreach (var strategy in Strategies)
        {
            for (var n = 0; n < 100; n++)
            {
                events.Add(new { id = $"{strategy}-s{n}", type = "recommendation_shown", timestamp = now, slot = "home", experiment = StrategyBandit.Experiment, variant = strategy });
                if (strategy == "popular" && n % 3 == 0)
                    events.Add(new { id = $"{strategy}-c{n}", type = "recommendation_clicked", timestamp = now, slot = "home", sku = "SKU-1", position = 0, experiment = StrategyBandit.Experiment, variant = strategy });
            }
        }
        var response = await buyer.PostAsJsonAsync("/api/events", new { events });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        await LakeRows.QueryAsync(_app.Services, "SELECT 1");

        var bandit = _app.Services.GetRequiredService<StrategyBandit>();
        await Poll.UntilAsync(() => bandit.Records.GetValueOrDefault(("home", "popular"))?.Trials, trials => trials == 100,
            TimeSpan.FromSeconds(30), "the bandit to read the lake's events", TimeSpan.FromMilliseconds(100));
        Assert.Equal(new ArmRecord(100, 34), bandit.Records[("home", "popular")]);
        Assert.Equal(new ArmRecord(100, 0), bandit.Records[("home", "ranker")]);

        var chosen = new List<string?>();
        for (var i = 0; i < 20; i++)
            chosen.Add((string?)(await buyer.GetFromJsonAsync<JsonObject>("/api/recommendations?slot=home"))!["variant"]);
        Assert.All(chosen, c => Assert.Equal("popular", c));
        // Cart has no record: it still explores.
        var cart = new HashSet<string?>();
        for (var i = 0; i < 30; i++)
            cart.Add((string?)(await buyer.GetFromJsonAsync<JsonObject>("/api/recommendations?slot=cart"))!["variant"]);
        Assert.True(cart.Count > 1);
    }
}
