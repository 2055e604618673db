using System.Collections.Concurrent;
using Commerce.Catalog.Products;

namespace Commerce.Catalog.Inventory;

/// <summary>
/// Available units per SKU for the listing's in-stock filter and for recommendations. A change stored through
/// this instance's <see cref="InventoryService"/> is applied to the snapshot at once; changes stored by other
/// instances are seen when the snapshot is read again from the stock documents, at most <see cref="RefreshAfter"/>
/// after the last read (a request must not read thousands of stock documents). A stale snapshot is served while a
/// single background read brings the next, so only the first request, or the one after a failed read, waits.
/// Reservations always read the stock document itself, so a stale snapshot can show an item that checkout then
/// finds sold out, never sell a unit that is not there.
/// </summary>
public sealed class StockAvailability
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(60);

    private readonly ProductCatalog _catalog;
    private readonly InventoryService _inventory;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Snapshot? _snapshot;
    private Task<Snapshot>? _refreshing;
    private volatile bool _lastRefreshFailed;

    /// <summary>Changes stored here since the current read began: a read that fetched a SKU before its change must not undo it.</summary>
    private readonly ConcurrentDictionary<string, int> _changedSinceReadBegan = new(StringComparer.Ordinal);

    public StockAvailability(ProductCatalog catalog, InventoryService inventory, TimeProvider time)
    {
        (_catalog, _inventory, _time) = (catalog, inventory, time);
        inventory.StockChanged += Apply;
    }

    private sealed record Snapshot(ConcurrentDictionary<string, int> Available, long At);

    public async Task<IReadOnlyDictionary<string, int>> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        if (_snapshot is { } current && !_lastRefreshFailed)
        {
            if (_time.GetElapsedTime(current.At) >= RefreshAfter)
                _ = Refresh();
            return current.Available;
        }
        // Nothing to serve yet, or the last refresh failed: this caller waits for a fresh read and sees its failure.
        return (await Refresh().WaitAsync(cancellationToken).ConfigureAwait(false)).Available;
    }

    private void Apply(StockLevel level)
    {
        var sku = Skus.Normalize(level.Sku);
        _changedSinceReadBegan[sku] = level.Available;
        if (_snapshot is { } current)
            current.Available[sku] = level.Available;
    }

    /// <summary>The refresh under way, or a new one when none is.</summary>
    private Task<Snapshot> Refresh()
    {
        lock (_gate)
            return _refreshing is { IsCompleted: false } running ? running : _refreshing = Task.Run(ReadAsync);
    }

    private async Task<Snapshot> ReadAsync()
    {
        try
        {
            _changedSinceReadBegan.Clear();
            var available = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(await _catalog.AllAsync().ConfigureAwait(false),
                new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (product, ct) =>
                {
                    var stock = await _inventory.GetAsync(product.Product.Sku, ct).ConfigureAwait(false);
                    available[Skus.Normalize(product.Product.Sku)] = stock?.Available ?? 0;
                }).ConfigureAwait(false);
            var snapshot = new Snapshot(available, _time.GetTimestamp());
            (_snapshot, _lastRefreshFailed) = (snapshot, false);
            foreach (var (sku, units) in _changedSinceReadBegan)
                available[sku] = units;
            return snapshot;
        }
        catch
        {
            _lastRefreshFailed = true;
            throw;
        }
    }
}
