using Commerce.Catalog.Inventory;

namespace Commerce.Catalog.Tests.Inventory;

public sealed class InventoryServiceTests(CatalogStores stores) : IClassFixture<CatalogStores>
{
    private readonly InventoryService _inventory = new(stores.Documents, TimeProvider.System);
    private static readonly DateTimeOffset Later = DateTimeOffset.UtcNow.AddHours(1);

    private static string NewSku() => $"SKU-{Guid.NewGuid():N}"[..20];

    private async Task<string> StockedAsync(int units)
    {
        var sku = NewSku();
        await _inventory.AdjustAsync(sku, units, "initial count", "test");
        return sku;
    }

    [Fact]
    public async Task Reserve_commit_and_restock_move_the_right_figures()
    {
        var sku = await StockedAsync(10);

        Assert.True((await _inventory.ReserveAsync("r1", [new StockLine(sku, 3)], Later)).Reserved);
        var held = await _inventory.GetAsync(sku);
        Assert.Equal((10, 3, 7), (held!.OnHand, held.Reserved, held.Available));

        await _inventory.CommitAsync("r1", [sku]);
        var sold = await _inventory.GetAsync(sku);
        Assert.Equal((7, 0, 7), (sold!.OnHand, sold.Reserved, sold.Available));

        await _inventory.RestockAsync("r1", [sku]);
        var returned = await _inventory.GetAsync(sku);
        Assert.Equal((10, 0, 10), (returned!.OnHand, returned.Reserved, returned.Available));
    }

    [Fact]
    public async Task Release_gives_held_units_back()
    {
        var sku = await StockedAsync(5);
        await _inventory.ReserveAsync("r2", [new StockLine(sku, 5)], Later);

        await _inventory.ReleaseAsync("r2", [sku]);

        var stock = await _inventory.GetAsync(sku);
        Assert.Equal((5, 0, 5), (stock!.OnHand, stock.Reserved, stock.Available));
    }

    [Fact]
    public async Task A_reservation_is_all_or_nothing_across_lines()
    {
        var plenty = await StockedAsync(10);
        var scarce = await StockedAsync(1);

        var result = await _inventory.ReserveAsync("r3", [new StockLine(plenty, 4), new StockLine(scarce, 2)], Later);

        Assert.False(result.Reserved);
        Assert.Equal(scarce, result.ShortSku, ignoreCase: true);
        Assert.Equal(10, (await _inventory.GetAsync(plenty))!.Available);
        Assert.Equal(1, (await _inventory.GetAsync(scarce))!.Available);
    }

    [Fact]
    public async Task An_unknown_sku_has_no_stock()
    {
        var result = await _inventory.ReserveAsync("r4", [new StockLine(NewSku(), 1)], Later);

        Assert.False(result.Reserved);
    }

    [Fact]
    public async Task Every_operation_is_idempotent_by_reservation_id()
    {
        var sku = await StockedAsync(10);

        Assert.True((await _inventory.ReserveAsync("r5", [new StockLine(sku, 2)], Later)).Reserved);
        Assert.True((await _inventory.ReserveAsync("r5", [new StockLine(sku, 2)], Later)).Reserved);
        Assert.Equal(2, (await _inventory.GetAsync(sku))!.Reserved);

        await _inventory.CommitAsync("r5", [sku]);
        await _inventory.CommitAsync("r5", [sku]);
        await _inventory.ReleaseAsync("r5", [sku]);
        Assert.Equal((8, 0), ((await _inventory.GetAsync(sku))!.OnHand, (await _inventory.GetAsync(sku))!.Reserved));

        await _inventory.RestockAsync("r5", [sku]);
        await _inventory.RestockAsync("r5", [sku]);
        Assert.Equal(10, (await _inventory.GetAsync(sku))!.OnHand);
    }

    [Fact]
    public async Task A_failed_reservation_stays_failed_when_repeated()
    {
        var sku = await StockedAsync(1);
        Assert.False((await _inventory.ReserveAsync("r6", [new StockLine(sku, 2)], Later)).Reserved);
        await _inventory.AdjustAsync(sku, 5, "delivery", "test");

        Assert.True((await _inventory.ReserveAsync("r7", [new StockLine(sku, 2)], Later)).Reserved);
        Assert.Equal(2, (await _inventory.GetAsync(sku))!.Reserved);
    }

    [Fact]
    public async Task Two_hundred_parallel_reserves_against_fifty_units_succeed_exactly_fifty_times()
    {
        var sku = await StockedAsync(50);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => _inventory.ReserveAsync($"p-{sku}-{i}", [new StockLine(sku, 1)], Later))));

        Assert.Equal(50, results.Count(r => r.Reserved));
        var stock = await _inventory.GetAsync(sku);
        Assert.Equal((50, 50, 0), (stock!.OnHand, stock.Reserved, stock.Available));
    }

    [Fact]
    public async Task Expired_reservations_are_released_by_the_sweep()
    {
        var sku = await StockedAsync(4);
        await _inventory.ReserveAsync("r8", [new StockLine(sku, 3)], DateTimeOffset.UtcNow.AddSeconds(-1));
        await _inventory.ReserveAsync("r9", [new StockLine(sku, 1)], Later);

        Assert.True(await _inventory.ReleaseExpiredAsync() >= 1);

        var stock = await _inventory.GetAsync(sku);
        Assert.Equal(1, stock!.Reserved);
        Assert.Equal(3, stock.Available);
    }

    [Fact]
    public async Task Adjustments_are_audited_and_cannot_take_stock_below_what_is_reserved()
    {
        var sku = await StockedAsync(5);
        await _inventory.ReserveAsync("r10", [new StockLine(sku, 4)], Later);

        await Assert.ThrowsAsync<StockAdjustmentException>(() => _inventory.AdjustAsync(sku, -2, "breakage", "ops"));
        await _inventory.AdjustAsync(sku, -1, "breakage", "ops");

        var stock = await _inventory.GetAsync(sku);
        Assert.Equal(4, stock!.OnHand);
        Assert.Equal(["breakage", "initial count"], stock.Adjustments.Select(a => a.Reason));
        Assert.Equal(4, stock.Adjustments[0].OnHandAfter);
        await Assert.ThrowsAsync<StockAdjustmentException>(() => _inventory.AdjustAsync(NewSku(), -1, "oops", "ops"));
    }
}
