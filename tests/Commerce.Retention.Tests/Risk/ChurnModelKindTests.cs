using Commerce.Events.Outbox;
using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Catalog.Customers;
using Commerce.Events.Behaviour;
using Commerce.Intelligence.Churn;
using Commerce.Intelligence.Models;
using Commerce.Intelligence.Recommendations.Serving;
using Commerce.Orders.Orders;
using Commerce.Retention.Audience;
using Commerce.Retention.Risk;
using Commerce.Storage.Blobs.Folder;
using Commerce.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commerce.Retention.Tests.Risk;

/// <summary>
/// The churn kind in a real registry (folder blob store) over a real order store: trained on the last two labelled
/// windows, promoted, loaded live, and every active customer scored when the live version changes.
/// </summary>
public sealed class ChurnModelKindTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly RetentionStores _stores = new(Now);
    private readonly TempDirectory _blobs = new("models");
    private readonly OrderRepository _orders;
    // A small shop: leaves of ten customers, not fifty.
    private readonly ChurnOptions _options = new() { HorizonDays = 60, MinCustomersPerLeaf = 10 };

    public ChurnModelKindTests() => _orders = new OrderRepository(_stores.Documents, new EventOutbox(_stores.Documents, new OutboxConsumers(OutboxConsumers.Lake)), _stores.Clock);

    public void Dispose()
    {
        _blobs.Dispose();
        _stores.Dispose();
    }

    /// <summary>
    /// Customers who order every <c>gap</c> days, each stopping for good at some day of the last 200; whoever stopped
    /// has churned, so how long since their last order (against their rhythm) tells who will not come back.
    /// </summary>
    private async Task SeedAsync(int customers, int seed)
    {
        var random = new Random(seed);
        for (var c = 0; c < customers; c++)
        {
            var id = $"s{seed}-{c}";
            await _stores.Customers.AddAsync(new Customer { Id = id, CreatedAt = Now.AddDays(-400) });
            var gap = random.Next(10, 30);
            var stop = random.NextDouble() < 0.5 ? random.Next(0, 200) : 0;
            for (var day = 300 - random.Next(gap); day > stop; day -= gap)
            {
                var at = Now.AddDays(-day);
                await _orders.CreateAsync(new Order
                {
                    Id = $"{id}-{day}", CustomerId = id, Status = OrderStatus.Completed, Currency = "GBP", Lines = [new OrderLine("A", "Tea", 2, 5m, 10m)],
                    Total = 10m, PaymentMethod = "history-import", PlacedAt = at, PaidAt = at, CompletedAt = at,
                });
            }
        }
    }

    private ChurnModelKind Kind() =>
        new(new CustomerPopulation(new OrderStorePurchases(_orders), _stores.Customers, new CampaignSettings()), new CustomerFeatureBuilder(new FeatureSettings()), _options);

    [Fact]
    public async Task Training_learns_from_the_older_window_is_measured_on_the_newer_one_and_measures_any_version_the_same_way()
    {
        await SeedAsync(160, 1);
        var trained = await Kind().TrainAsync(Now, CancellationToken.None);

        Assert.Equal((Now.AddDays(-new CampaignSettings().HistoryDays), Now.AddDays(-60)), (trained.Data.From, trained.Data.To));
        Assert.Equal((Now.AddDays(-60), Now), (trained.Holdout.From, trained.Holdout.To));
        Assert.True(trained.Metrics[ChurnEvaluation.Auc] > 0.8, $"holdout AUC {trained.Metrics[ChurnEvaluation.Auc]:F3}");
        Assert.Equal(["importance.json", ChurnModel.InputsFile, ChurnModel.PipelineFile], trained.Files.Keys.Order(StringComparer.Ordinal));
        var files = new ModelFiles(new ModelManifest
        {
            Kind = ChurnModelKind.Name, Version = "v", TrainedAt = Now, TrainingSeconds = 1, Data = trained.Data, Holdout = trained.Holdout,
            PrimaryMetric = ChurnEvaluation.Auc, Metrics = trained.Metrics, Parameters = trained.Parameters, CodeVersion = "test", Files = [.. trained.Files.Keys], Decision = "",
        }, trained.Files.ToDictionary(f => f.Key, f => (ReadOnlyMemory<byte>)f.Value));
        Assert.Equal(trained.Metrics, await trained.EvaluateOther(files, CancellationToken.None));
    }

    /// <summary>Behaviour events held in memory, filtered by time as the lake's query filters them.</summary>
    private sealed class BehaviourInMemory(IReadOnlyList<BehaviourEvent> events) : IBehaviourHistorySource
    {
        public Task<IReadOnlyList<BehaviourEvent>> LoadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<BehaviourEvent>>([.. events.Where(e => e.Time >= from && e.Time < to)]);
    }

    [Fact]
    public async Task Training_and_scoring_read_the_customers_behaviour_before_each_cut()
    {
        // Weekly buyers who all order until today, so their orders tell nothing apart; those who will stop (after either
        // cut) browsed nothing in the month before it, the others browse every few days.
        var random = new Random(5);
        var events = new List<BehaviourEvent>();
        var leaving = new HashSet<string>();
        for (var c = 0; c < 200; c++)
        {
            var id = $"b-{c}";
            await _stores.Customers.AddAsync(new Customer { Id = id, CreatedAt = Now.AddDays(-400) });
            var stopsAfter = random.NextDouble() < 0.5 ? (random.NextDouble() < 0.5 ? -120 : -60) : 1;
            if (stopsAfter == -60)
                leaving.Add(id);
            for (var day = 300 - random.Next(7); day > 0; day -= 7)
            {
                var at = Now.AddDays(-day);
                if (-day >= stopsAfter)
                    continue;
                await _orders.CreateAsync(new Order
                {
                    Id = $"{id}-{day}", CustomerId = id, Status = OrderStatus.Completed, Currency = "GBP", Lines = [new OrderLine("A", "Tea", 2, 5m, 10m)],
                    Total = 10m, PaymentMethod = "history-import", PlacedAt = at, PaidAt = at, CompletedAt = at,
                });
            }
            for (var day = 300; day > 0; day -= 3)
            {
                var at = Now.AddDays(-day);
                // No visits in the 30 days before the cut a customer stops at.
                if (stopsAfter < 0 && at >= Now.AddDays(stopsAfter - 30))
                    continue;
                events.Add(new BehaviourEvent($"{id}-v{day}", "product_viewed", at, id, null) { Sku = "A" });
            }
        }
        var population = new CustomerPopulation(new OrderStorePurchases(_orders), _stores.Customers, new CampaignSettings(), new BehaviourInMemory(events));
        var withBehaviour = await new ChurnModelKind(population, new CustomerFeatureBuilder(new FeatureSettings()), _options).TrainAsync(Now, CancellationToken.None);
        var withoutBehaviour = await Kind().TrainAsync(Now, CancellationToken.None);

        // Without behaviour only those who stopped before the holdout's cut stand out (half the churners there: AUC about 0.75).
        var (withAuc, withoutAuc) = (withBehaviour.Metrics[ChurnEvaluation.Auc], withoutBehaviour.Metrics[ChurnEvaluation.Auc]);
        Assert.True(withAuc > 0.95 && withoutAuc < 0.85, $"holdout AUC with behaviour {withAuc:F3}, without {withoutAuc:F3}");

        // Scoring as of now reads the last month's behaviour too: nobody browsed less than those who stopped 60 days ago.
        var model = ChurnModelKind.Load(new ModelFiles(new ModelManifest
        {
            Kind = ChurnModelKind.Name, Version = "v", TrainedAt = Now, TrainingSeconds = 1, Data = withBehaviour.Data, Holdout = withBehaviour.Holdout,
            PrimaryMetric = ChurnEvaluation.Auc, Metrics = withBehaviour.Metrics, Parameters = withBehaviour.Parameters, CodeVersion = "test", Files = [.. withBehaviour.Files.Keys], Decision = "",
        }, withBehaviour.Files.ToDictionary(f => f.Key, f => (ReadOnlyMemory<byte>)f.Value)));
        var store = new ChurnRiskStore(_stores.Documents);
        var scored = await new ChurnScoring(population, new CustomerFeatureBuilder(new FeatureSettings()), _options, new RiskBands(), store, _stores.Clock, NullLogger<ChurnScoring>.Instance)
            .ScoreAllAsync(model, "v");
        Assert.Contains(scored, r => r.Reasons.Any(reason => reason.Text.Contains("visited", StringComparison.Ordinal) || reason.Text.Contains("viewed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Too_few_customers_make_no_model()
    {
        await SeedAsync(20, 2);
        await Assert.ThrowsAsync<ModelTrainingException>(() => Kind().TrainAsync(Now, CancellationToken.None));
    }

    [Fact]
    public async Task A_promoted_version_goes_live_and_every_active_customer_is_scored_with_it_once()
    {
        await SeedAsync(160, 3);
        var registry = new ModelRegistry(new FolderBlobStore(_blobs.Path), [Kind()], new EventOutbox(_stores.Documents, new OutboxConsumers(OutboxConsumers.Lake)), _stores.Clock, NullLogger<ModelRegistry>.Instance);
        var live = new LiveModel<ChurnModel>(registry, ChurnModelKind.Name, ChurnModelKind.Load, TimeSpan.FromSeconds(1), _stores.Clock, NullLogger<LiveModel<ChurnModel>>.Instance);
        var store = new ChurnRiskStore(_stores.Documents);
        var scoring = new ChurnScoring(new CustomerPopulation(new OrderStorePurchases(_orders), _stores.Customers, new CampaignSettings()), new CustomerFeatureBuilder(new FeatureSettings()),
            _options, new RiskBands(), store, _stores.Clock, NullLogger<ChurnScoring>.Instance);
        var refresher = new ChurnRiskRefresher(live, scoring, store, TimeSpan.FromSeconds(1), _stores.Clock, NullLogger<ChurnRiskRefresher>.Instance);

        Assert.False(await refresher.RefreshAsync());
        var first = await registry.TrainAsync(ChurnModelKind.Name);
        Assert.True(first.Promoted, first.Decision);
        Assert.True(await live.RefreshAsync());
        Assert.True(await refresher.RefreshAsync());
        Assert.False(await refresher.RefreshAsync());

        var summary = (await store.SummaryAsync())!;
        var active = (await new OrderStorePurchases(_orders).LoadAsync(Now.AddDays(-800), Now, CancellationToken.None)).Sales
            .GroupBy(p => p.CustomerId).Count(g => g.Max(p => p.At) >= Now.AddDays(-ChurnScoring.ActiveDays).UtcDateTime);
        Assert.Equal((first.Version, active), (summary.ModelVersion, summary.Customers));
        Assert.Equal(active, summary.Segments.Sum(s => s.Low + s.Medium + s.High));
        Assert.Equal(summary.Customers, summary.Segments.Sum(s => s.Customers));

        // Trained again a day later on the same data: not worse, so live; its scoring replaces the first one's.
        _stores.Clock.Now = Now.AddHours(1);
        var second = await registry.TrainAsync(ChurnModelKind.Name);
        Assert.True(await live.RefreshAsync() == second.Promoted);
        Assert.Equal(second.Promoted, await refresher.RefreshAsync());
        Assert.Equal(second.Promoted ? second.Version : first.Version, (await store.SummaryAsync())!.ModelVersion);

        // A rollback to the first version is scored again too.
        Assert.True(await registry.PromoteAsync(ChurnModelKind.Name, first.Version, "rollback"));
        await live.RefreshAsync();
        Assert.Equal(second.Promoted, await refresher.RefreshAsync());
        Assert.Equal(first.Version, (await store.SummaryAsync())!.ModelVersion);
    }
}
