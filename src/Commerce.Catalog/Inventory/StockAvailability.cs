using Commerce.Catalog.Products;

namespace Commerce.Catalog.Inventory;

/// <summary>
/// Available units per SKU for the listing's in-stock filter, read from the stock documents at most every
/// few seconds (a listing must not read thousands of stock documents per request). Reservations always
/// read the stock document itself.
/// </summary>
public sealed class StockAvailability(ProductCatalog catalog, InventoryService inventory, TimeProvider time)
{
    private static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private (IReadOnlyDictionary<string, int> Available, long At)? _snapshot;

    public async Task<IReadOnlyDictionary<string, int>> SnapshotAsync(CancellationToken cancellationToken = default)
    {
        if (_snapshot is { } current && time.GetElapsedTime(current.At) < RefreshAfter)
            return current.Available;
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_snapshot is { } fresh && time.GetElapsedTime(fresh.At) < RefreshAfter)
                return fresh.Available;
            var available = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            await Parallel.ForEachAsync(await catalog.AllAsync(cancellationToken).ConfigureAwait(false),
                new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
                async (product, ct) =>
                {
                    var stock = await inventory.GetAsync(product.Product.Sku, ct).ConfigureAwait(false);
                    available[Skus.Normalize(product.Product.Sku)] = stock?.Available ?? 0;
                }).ConfigureAwait(false);
            _snapshot = (available, time.GetTimestamp());
            return available;
        }
        finally
        {
            _refresh.Release();
        }
    }
}
