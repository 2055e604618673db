using Commerce.Catalog.Inventory;
using Commerce.Catalog.Products;
using Commerce.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Commerce.Catalog.Tests.Inventory;

public sealed class StockAvailabilityTests
{
    [Fact]
    public async Task A_change_stored_through_this_instance_is_in_the_snapshot_at_once()
    {
        using var stores = new CatalogStores();
        var (clock, catalog, inventory) = await ShopAsync(stores, ("SA-1", 5), ("SA-2", 3));
        var availability = new StockAvailability(catalog, inventory, clock);
        Assert.Equal(5, (await availability.SnapshotAsync())["SA-1"]);

        await inventory.AdjustAsync("SA-1", -5, "sold out", "test");
        await inventory.ReserveAsync("r-1", [new StockLine("SA-2", 2)], clock.GetUtcNow().AddHours(1));

        var snapshot = await availability.SnapshotAsync();
        Assert.Equal((await inventory.GetAsync("SA-1"))!.Available, snapshot["SA-1"]);
        Assert.Equal(0, snapshot["SA-1"]);
        Assert.Equal(1, snapshot["SA-2"]);
    }

    [Fact]
    public async Task A_change_stored_by_another_instance_is_seen_once_the_snapshot_ages_and_the_stale_one_is_served_meanwhile()
    {
        using var stores = new CatalogStores();
        var (clock, catalog, inventory) = await ShopAsync(stores, ("SA-1", 5));
        var availability = new StockAvailability(catalog, inventory, clock);
        Assert.Equal(5, (await availability.SnapshotAsync())["SA-1"]);

        var elsewhere = stores.Inventory(clock);
        await elsewhere.AdjustAsync("SA-1", -5, "sold out", "test");
        Assert.Equal(5, (await availability.SnapshotAsync())["SA-1"]);

        clock.Advance(StockAvailability.RefreshAfter + TimeSpan.FromSeconds(1));
        // The first call after the snapshot aged answers at once with what it had, and starts one read.
        Assert.Equal(5, (await availability.SnapshotAsync())["SA-1"]);
        await Poll.UntilAsync(async () => (await availability.SnapshotAsync())["SA-1"], units => units == 0, TimeSpan.FromSeconds(30),
            "the background read to replace the stale snapshot", TimeSpan.FromMilliseconds(20));
    }

    private static async Task<(FakeTimeProvider, ProductCatalog, InventoryService)> ShopAsync(CatalogStores stores, params (string Sku, int Units)[] stock)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var catalog = new ProductCatalog(stores.Documents, clock, new CatalogOptions { RefreshInterval = TimeSpan.Zero });
        var inventory = stores.Inventory(clock);
        await catalog.UpsertManyAsync([.. stock.Select(s => new Product { Sku = s.Sku, Name = s.Sku, Category = "home", ListPrice = 1m, Currency = "GBP" })]);
        foreach (var (sku, units) in stock)
            await inventory.AdjustAsync(sku, units, "count", "test");
        return (clock, catalog, inventory);
    }
}
