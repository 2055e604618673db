using Commerce.Events.Outbox;
using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Catalog.Customers;
using Commerce.Intelligence.Churn;
using Commerce.Intelligence.Recommendations.Serving;
using Commerce.Orders.Orders;
using Commerce.Retention.Audience;
using Commerce.Retention.Risk;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commerce.Retention.Tests.Risk;

/// <summary>Scoring the order store's customers with a trained model: who is scored, and what is stored for each.</summary>
public sealed class ChurnScoringTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly RetentionStores _stores = new(Now);

    public void Dispose() => _stores.Dispose();

    /// <summary>A model that learned, from generated customers, that the longer since the last order the likelier the churn.</summary>
    private static ChurnModel RecencyModel()
    {
        var random = new Random(5);
        var cut = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var lines = new List<Purchase>();
        for (var c = 0; c < 600; c++)
        {
            var recency = random.Next(1, 300);
            lines.Add(new Purchase($"g{c}", $"g{c}-1", "A", 1, 5m, cut.AddDays(-recency - 30), "United Kingdom"));
            lines.Add(new Purchase($"g{c}", $"g{c}-2", "A", 1, 5m, cut.AddDays(-recency), "United Kingdom"));
            if (random.NextDouble() > recency / 300.0)
                lines.Add(new Purchase($"g{c}", $"g{c}-3", "A", 1, 5m, cut.AddDays(20), "United Kingdom"));
        }
        var examples = ChurnExamples.Labelled(new CustomerFeatureBuilder(new FeatureSettings()), new PurchaseHistory(lines), [], new Dictionary<string, CustomerProfile>(), cut, 90);
        return new ChurnTrainer(new ChurnOptions()).TrainBoosted(examples);
    }

    [Fact]
    public async Task Every_customer_with_an_order_in_the_last_year_is_scored_banded_and_explained_with_the_models_version()
    {
        var orders = new OrderRepository(_stores.Documents, new EventOutbox(_stores.Documents, new OutboxConsumers(OutboxConsumers.Lake)), _stores.Clock);
        async Task Bought(string customer, int daysAgo, int n)
        {
            await _stores.Customers.AddAsync(new Customer { Id = customer, CreatedAt = Now.AddDays(-800) });
            for (var i = 0; i < n; i++)
            {
                var at = Now.AddDays(-daysAgo - 20 * i);
                await orders.CreateAsync(new Order
                {
                    Id = $"{customer}-{i}", CustomerId = customer, Status = OrderStatus.Completed, Currency = "GBP", Lines = [new OrderLine("A", "A", 1, 5m, 5m)],
                    Total = 5m, PaymentMethod = "history-import", PlacedAt = at, PaidAt = at, CompletedAt = at,
                });
            }
        }
        await Bought("recent", 3, 4);
        await Bought("fading", 200, 2);
        await Bought("gone", 400, 2);
        var settings = new CampaignSettings();
        var scoring = new ChurnScoring(new CustomerPopulation(new OrderStorePurchases(orders), _stores.Customers, settings), new CustomerFeatureBuilder(new FeatureSettings()),
            new ChurnOptions(), new RiskBands(), new ChurnRiskStore(_stores.Documents), _stores.Clock, NullLogger<ChurnScoring>.Instance);

        var scored = await scoring.ScoreAllAsync(RecencyModel(), "v-test");

        Assert.Equal(["fading", "recent"], scored.Select(s => s.CustomerId).Order());
        var store = new ChurnRiskStore(_stores.Documents);
        var fading = (await store.GetAsync("fading"))!;
        var recent = (await store.GetAsync("recent"))!;
        Assert.Null(await store.GetAsync("gone"));
        Assert.True(fading.Probability > recent.Probability, $"{fading.Probability} vs {recent.Probability}");
        Assert.All(new[] { fading, recent }, r => Assert.Equal((new RiskBands().Of(r.Probability), "v-test", Now), (r.Band, r.ModelVersion, r.ScoredAt)));
        Assert.StartsWith("no order for 200 days", fading.Reasons[0].Text);
    }

    [Theory]
    [InlineData(0.39, RiskBand.Low)]
    [InlineData(0.40, RiskBand.Medium)]
    [InlineData(0.69, RiskBand.Medium)]
    [InlineData(0.70, RiskBand.High)]
    public void Bands_start_at_their_thresholds(double probability, RiskBand band) => Assert.Equal(band, new RiskBands().Of(probability));
}
