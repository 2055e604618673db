using System.Collections.Concurrent;
using Commerce.Analytics.History;
using Commerce.Orders.Orders;

namespace Commerce.Intelligence.Recommendations.Serving;

/// <summary>
/// Each buyer's purchases since the model was trained, read from the order store once per buyer and change instead
/// of on every request. An order placed, cancelled or declined through this instance's
/// <see cref="OrderRepository"/> drops the buyer's copy at once; one changed on another instance is seen within
/// <see cref="RecommendationSettings.RecentPurchasesFreshness"/>. At most
/// <see cref="RecommendationSettings.RecentPurchasesBuyers"/> buyers are kept.
/// </summary>
public sealed class RecentPurchasesCache : IRecentPurchases
{
    /// <summary>What was read for a buyer and when the read began; without purchases, the mark an order change left.</summary>
    private sealed class Entry(DateTimeOffset since, IReadOnlyList<Purchase>? purchases, long readAt)
    {
        public DateTimeOffset Since { get; } = since;
        public IReadOnlyList<Purchase>? Purchases { get; } = purchases;
        public long ReadAt { get; } = readAt;
    }

    private readonly IRecentPurchases _source;
    private readonly TimeSpan _freshness;
    private readonly int _capacity;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _trimming = new();
    private int _count;

    public RecentPurchasesCache(IRecentPurchases source, OrderRepository orders, RecommendationSettings settings, TimeProvider time)
    {
        _source = source;
        _freshness = settings.RecentPurchasesFreshness;
        _capacity = settings.RecentPurchasesBuyers;
        _time = time;
        orders.CustomerOrdersChanged += Forget;
    }

    /// <summary>How many buyers are held now, marks of changes included.</summary>
    internal int Count => _entries.Count;

    public async Task<IReadOnlyList<Purchase>> SinceAsync(string customerId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var seen = _entries.GetValueOrDefault(customerId);
        if (seen is { Purchases: { } cached } && seen.Since == since && !IsStale(seen))
            return cached;
        var readAt = _time.GetTimestamp();
        var purchases = await _source.SinceAsync(customerId, since, cancellationToken).ConfigureAwait(false);
        // An order change during the read replaced or removed what was seen: then what was read may predate it and is not kept.
        var read = new Entry(since, purchases, readAt);
        if (seen is null ? Added(customerId, read) : _entries.TryUpdate(customerId, read, seen))
            Trim();
        return purchases;
    }

    /// <summary>Drops the buyer's copy, leaving a mark so that a read already under way does not store what it read.</summary>
    public void Forget(string customerId)
    {
        var mark = new Entry(default, null, _time.GetTimestamp());
        while (true)
        {
            if (_entries.TryGetValue(customerId, out var current))
            {
                if (_entries.TryUpdate(customerId, mark, current))
                    return;
            }
            else if (Added(customerId, mark))
            {
                Trim();
                return;
            }
        }
    }

    private bool Added(string customerId, Entry entry)
    {
        if (!_entries.TryAdd(customerId, entry))
            return false;
        Interlocked.Increment(ref _count);
        return true;
    }

    private bool IsStale(Entry entry) => _time.GetElapsedTime(entry.ReadAt) >= _freshness;

    /// <summary>
    /// Past the capacity: drops what is stale, then whatever comes first until a quarter of the room is free again,
    /// except fresh marks of changes, which stop reads under way from storing (few: orders changed within the freshness).
    /// </summary>
    private void Trim()
    {
        if (Volatile.Read(ref _count) <= _capacity || !_trimming.TryEnter())
            return;
        try
        {
            var target = _capacity - _capacity / 4;
            foreach (var (customerId, entry) in _entries)
            {
                if (IsStale(entry) && _entries.TryRemove(new KeyValuePair<string, Entry>(customerId, entry)))
                    Interlocked.Decrement(ref _count);
            }
            foreach (var (customerId, entry) in _entries)
            {
                if (Volatile.Read(ref _count) <= target)
                    break;
                if (entry.Purchases is not null && _entries.TryRemove(new KeyValuePair<string, Entry>(customerId, entry)))
                    Interlocked.Decrement(ref _count);
            }
        }
        finally
        {
            _trimming.Exit();
        }
    }
}
