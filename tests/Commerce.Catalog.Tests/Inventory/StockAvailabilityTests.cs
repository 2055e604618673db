using Commerce.Catalog.Inventory;
using Commerce.Catalog.Products;
using Microsoft.Extensions.Time.Testing;

namespace Commerce.Catalog.Tests.Inventory;

public sealed class StockAvailabilityTests
{
    [Fact]
    public async Task A_stale_snapshot_is_served_while_one_background_read_brings_the_next()
    {
        using var stores = new CatalogStores();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var catalog = new ProductCatalog(stores.Documents, clock, new CatalogOptions { RefreshInterval = TimeSpan.Zero });
        var inventory = stores.Inventory(clock);
        await catalog.UpsertManyAsync([new Product { Sku = "SA-1", Name = "One", Category = "home", ListPrice = 1m, Currency = "GBP" }]);
        await inventory.AdjustAsync("SA-1", 5, "count", "test");
        var availability = new StockAvailability(catalog, inventory, clock);

        Assert.Equal(5, (await availability.SnapshotAsync())["SA-1"]);

        await inventory.AdjustAsync("SA-1", -5, "sold out", "test");
        Assert.Equal(5, (await availability.SnapshotAsync())["SA-1"]);

        clock.Advance(TimeSpan.FromSeconds(6));
        // The first call after the snapshot aged answers at once with what it had, and starts one read.
        Assert.Equal(5, (await availability.SnapshotAsync())["SA-1"]);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await availability.SnapshotAsync())["SA-1"] != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the background read never replaced the stale snapshot");
            await Task.Delay(20);
        }
    }
}
