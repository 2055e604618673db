using Commerce.Catalog.Products;

namespace Commerce.Catalog.Inventory;

/// <summary>
/// Available units per SKU for the listing's in-stock filter and for recommendations, read from the stock
/// documents at most every few seconds (a request must not read thousands of stock documents). Once a
/// snapshot exists, a stale one is served while a single background refresh reads the next, so no request
/// waits for a whole catalogue's stock reads; only the first request, or the one after a failed refresh,
/// waits. Reservations always read the stock document itself.
/// </summary>
public sealed class StockAvailability(ProductCatalog catalog, InventoryService inventory, TimeProvider time)
{
    private static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(5);
    private readonly Lock _gate = new();
    private Snapshot? _snapshot;
    private Task<Snapshot>? _refreshing;
    private volatile bool _lastRefreshFailed;

    private sealed record Snapshot(IReadOnlyDictionary<string, int> Available, long At);

    public async Task<IReadOnlyDictionary<string, int>> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        if (_snapshot is { } current && !_lastRefreshFailed)
        {
            if (time.GetElapsedTime(current.At) >= RefreshAfter)
                _ = Refresh();
            return current.Available;
        }
        // Nothing to serve yet, or the last refresh failed: this caller waits for a fresh read and sees its failure.
        return (await Refresh().WaitAsync(cancellationToken).ConfigureAwait(false)).Available;
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
            var available = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(await catalog.AllAsync().ConfigureAwait(false),
                new ParallelOptions { MaxDegreeOfParallelism = 8 },
                async (product, ct) =>
                {
                    var stock = await inventory.GetAsync(product.Product.Sku, ct).ConfigureAwait(false);
                    available[Skus.Normalize(product.Product.Sku)] = stock?.Available ?? 0;
                }).ConfigureAwait(false);
            var snapshot = new Snapshot(available, time.GetTimestamp());
            (_snapshot, _lastRefreshFailed) = (snapshot, false);
            return snapshot;
        }
        catch
        {
            _lastRefreshFailed = true;
            throw;
        }
    }
}
