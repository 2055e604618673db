using System.Collections.Concurrent;
using Commerce.Analytics.History;
using Commerce.Events.Outbox;
using Commerce.Intelligence.Recommendations.Serving;
using Commerce.Orders.Orders;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Commerce.Intelligence.Tests.Recommendations;

/// <summary>
/// The per-buyer cache of orders since the model was trained, over a real SQLite order store: two order
/// repositories on the same store stand for two serving instances.
/// </summary>
public sealed class RecentPurchasesCacheTests : IDisposable
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _folder = new("recent-purchases");
    private readonly SqliteDatabase _database;
    private readonly OrderRepository _orders;
    private readonly OrderRepository _otherInstance;
    private readonly CountingPurchases _source;

    public RecentPurchasesCacheTests()
    {
        _database = new SqliteDatabase(Path.Combine(_folder.Path, "documents.db"));
        var documents = new SqliteDocumentStore(_database);
        var outbox = new EventOutbox(documents, new OutboxConsumers(OutboxConsumers.Lake));
        _orders = new OrderRepository(documents, outbox, _time);
        _otherInstance = new OrderRepository(documents, outbox, _time);
        _source = new CountingPurchases(new OrderStorePurchases(_orders));
        Since = _time.GetUtcNow().AddDays(-1);
    }

    public void Dispose()
    {
        _database.Dispose();
        _folder.Dispose();
    }

    // When the live model's data ended: orders from then on are the ones read.
    private DateTimeOffset Since { get; }

    private RecentPurchasesCache Cache(int buyers = 1_000) =>
        new(_source, _orders, new RecommendationSettings { RecentPurchasesFreshness = Freshness, RecentPurchasesBuyers = buyers }, _time);

    private Task PlaceAsync(OrderRepository orders, string id, string customer, params string[] skus) =>
        orders.CreateAsync(new Order
        {
            Id = id,
            CustomerId = customer,
            Status = OrderStatus.Paid,
            Currency = "GBP",
            Lines = skus.Select(s => new OrderLine(s, s, 1, 5, 5)).ToList(),
            Total = 5 * skus.Length,
            PaymentMethod = "pm_card_visa",
            PlacedAt = _time.GetUtcNow().AddHours(-1),
        });

    private async Task<string[]> SkusAsync(IRecentPurchases purchases, string customer) =>
        (await purchases.SinceAsync(customer, Since, CancellationToken.None)).Select(p => p.Sku).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task A_buyer_s_orders_are_read_once_until_an_order_of_theirs_is_placed_or_cancelled_here()
    {
        var cache = Cache();
        await PlaceAsync(_orders, "o-1", "ann", "A", "B");
        await PlaceAsync(_orders, "o-2", "bob", "C");

        Assert.Equal(["A", "B"], await SkusAsync(cache, "ann"));
        Assert.Equal(["A", "B"], await SkusAsync(cache, "ann"));
        Assert.Equal(["C"], await SkusAsync(cache, "bob"));
        Assert.Equal(1, _source.Reads("ann"));

        await PlaceAsync(_orders, "o-3", "ann", "D");
        Assert.Equal(["A", "B", "D"], await SkusAsync(cache, "ann"));
        Assert.Equal(2, _source.Reads("ann"));

        // A cancelled (or declined) order stops counting at once, so its items may be recommended again.
        await _orders.UpdateAsync("o-1", o => o with { Status = OrderStatus.Cancelled, CancellationReason = CancellationReasons.PaymentDeclined });
        Assert.Equal(["D"], await SkusAsync(cache, "ann"));
        Assert.Equal(await SkusAsync(new OrderStorePurchases(_orders), "ann"), await SkusAsync(cache, "ann"));
        Assert.Equal(3, _source.Reads("ann"));

        // Another buyer's copy was left alone by all of that.
        Assert.Equal(["C"], await SkusAsync(cache, "bob"));
        Assert.Equal(1, _source.Reads("bob"));
    }

    [Fact]
    public async Task A_change_that_leaves_the_order_index_alone_keeps_the_copy()
    {
        var cache = Cache();
        await PlaceAsync(_orders, "o-1", "ann", "A");
        Assert.Equal(["A"], await SkusAsync(cache, "ann"));

        await _orders.UpdateAsync("o-1", o => o with { PaymentMethod = "pm_card_mastercard" });
        Assert.Equal(["A"], await SkusAsync(cache, "ann"));
        Assert.Equal(1, _source.Reads("ann"));
    }

    [Fact]
    public async Task An_order_placed_on_another_instance_is_seen_once_the_freshness_has_passed()
    {
        var cache = Cache();
        await PlaceAsync(_orders, "o-1", "ann", "A");
        Assert.Equal(["A"], await SkusAsync(cache, "ann"));

        await PlaceAsync(_otherInstance, "o-2", "ann", "B");
        _time.Advance(Freshness - TimeSpan.FromMilliseconds(1));
        Assert.Equal(["A"], await SkusAsync(cache, "ann"));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(["A", "B"], await SkusAsync(cache, "ann"));
        Assert.Equal(2, _source.Reads("ann"));
    }

    [Fact]
    public async Task A_read_under_way_when_the_buyer_s_order_changes_is_not_kept()
    {
        var gate = new GatedPurchases(_source);
        var cache = new RecentPurchasesCache(gate, _orders, new RecommendationSettings { RecentPurchasesFreshness = Freshness }, _time);
        await PlaceAsync(_orders, "o-1", "ann", "A");

        var reading = SkusAsync(cache, "ann");
        await gate.Started.Task;
        await PlaceAsync(_orders, "o-2", "ann", "B");
        gate.Release.SetResult();
        Assert.Equal(["A"], await reading);

        Assert.Equal(["A", "B"], await SkusAsync(cache, "ann"));
        Assert.Equal(2, _source.Reads("ann"));
    }

    [Fact]
    public async Task A_new_model_with_a_later_cut_reads_again()
    {
        var cache = Cache();
        await PlaceAsync(_orders, "o-1", "ann", "A");
        Assert.Equal(["A"], await SkusAsync(cache, "ann"));

        Assert.Empty(await cache.SinceAsync("ann", _time.GetUtcNow(), CancellationToken.None));
        Assert.Equal(2, _source.Reads("ann"));
    }

    [Fact]
    public async Task It_holds_no_more_buyers_than_its_bound()
    {
        const int bound = 100;
        var cache = Cache(bound);
        await PlaceAsync(_orders, "o-1", "buyer-0", "A");
        for (var b = 0; b < 1_000; b++)
        {
            await SkusAsync(cache, $"buyer-{b}");
            Assert.InRange(cache.Count, 1, bound);
        }
        Assert.Equal(1_000, _source.Reads());

        // Marks left by order changes count too, and go once they are stale.
        for (var b = 0; b < 1_000; b++)
            cache.Forget($"other-{b}");
        _time.Advance(Freshness);
        await SkusAsync(cache, "buyer-0");
        Assert.InRange(cache.Count, 1, bound);
        Assert.Equal(["A"], await SkusAsync(cache, "buyer-0"));
    }

    /// <summary>The real source, counting its reads per buyer.</summary>
    private sealed class CountingPurchases(IRecentPurchases inner) : IRecentPurchases
    {
        private readonly ConcurrentDictionary<string, int> _reads = new();

        public int Reads(string? customerId = null) => customerId is null ? _reads.Values.Sum() : _reads.GetValueOrDefault(customerId);

        public Task<IReadOnlyList<Purchase>> SinceAsync(string customerId, DateTimeOffset since, CancellationToken cancellationToken)
        {
            _reads.AddOrUpdate(customerId, 1, (_, n) => n + 1);
            return inner.SinceAsync(customerId, since, cancellationToken);
        }
    }

    /// <summary>Holds its first read after reading until released, so a change can land while it is under way.</summary>
    private sealed class GatedPurchases(IRecentPurchases inner) : IRecentPurchases
    {
        private int _calls;

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<IReadOnlyList<Purchase>> SinceAsync(string customerId, DateTimeOffset since, CancellationToken cancellationToken)
        {
            var read = await inner.SinceAsync(customerId, since, cancellationToken);
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Started.SetResult();
                await Release.Task;
            }
            return read;
        }
    }
}
