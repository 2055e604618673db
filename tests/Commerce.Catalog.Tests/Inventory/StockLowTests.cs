using Commerce.Catalog.Inventory;
using Commerce.Events.Outbox;
using Commerce.Storage.Documents;

namespace Commerce.Catalog.Tests.Inventory;

public sealed class StockLowTests(CatalogStores stores) : IClassFixture<CatalogStores>
{
    private const int Threshold = 5;
    private static readonly DateTimeOffset Later = DateTimeOffset.UtcNow.AddHours(1);
    private readonly InventoryService _inventory = stores.Inventory(TimeProvider.System, new InventoryOptions { LowStockThreshold = Threshold });

    private static string NewSku() => $"LOW-{Guid.NewGuid():N}"[..20].ToUpperInvariant();

    private async Task<List<SystemEvent>> StockLowAsync(string sku) =>
        (await stores.Outbox.ReadAsync(StockEvents.Subject(sku))).Where(e => e.Type == SystemEventTypes.StockLow).ToList();

    [Fact]
    public async Task Falling_to_the_level_records_one_event_staying_below_records_none_and_each_new_fall_records_another()
    {
        var sku = NewSku();
        // Available units after each change, and how many falls from above the level to at or below it they make, counted here.
        int[] deltas = [10, -4, -1, -1, -2, 7, -3, 1, -3, 20, -22];
        var available = new List<int>();
        foreach (var delta in deltas)
            available.Add((await _inventory.AdjustAsync(sku, delta, "count", "test")).Available);
        var falls = available.Zip(available.Skip(1)).Where(p => p.First > Threshold && p.Second <= Threshold).Select(p => p.Second).ToList();

        var events = await StockLowAsync(sku);

        Assert.Equal([5, 4, 2], falls);
        Assert.Equal(falls, events.Select(e => e.Quantity!.Value));
        Assert.All(events, e =>
        {
            Assert.Equal(Threshold, e.Threshold);
            Assert.Equal(sku, e.Sku);
            Assert.Equal($"sku:{sku}", e.Subject);
        });
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        Assert.Empty((await _inventory.GetAsync(sku))!.UnrecordedLowStock);
    }

    [Fact]
    public async Task Rising_stock_and_changes_that_stay_above_the_level_record_nothing()
    {
        var sku = NewSku();
        await _inventory.AdjustAsync(sku, 3, "count", "test");
        await _inventory.AdjustAsync(sku, 10, "delivery", "test");
        await _inventory.AdjustAsync(sku, -7, "breakage", "test");

        Assert.Equal(6, (await _inventory.GetAsync(sku))!.Available);
        Assert.Empty(await StockLowAsync(sku));
    }

    [Fact]
    public async Task A_reservation_that_lowers_available_units_records_it_and_repeating_the_step_records_it_once()
    {
        var sku = NewSku();
        await _inventory.AdjustAsync(sku, 8, "count", "test");

        var reserved = await _inventory.ReserveAsync("low-r1", [new StockLine(sku, 4)], Later);
        await _inventory.ReserveAsync("low-r1", [new StockLine(sku, 4)], Later);
        await _inventory.CommitAsync("low-r1");
        await _inventory.CommitAsync("low-r1");

        Assert.True(reserved.Reserved);
        var stock = await _inventory.GetAsync(sku);
        Assert.Equal((4, 0), (stock!.OnHand, stock.Reserved));
        var low = Assert.Single(await StockLowAsync(sku));
        Assert.Equal(8 - 4, low.Quantity);
    }

    [Fact]
    public async Task A_skus_own_level_wins_over_the_shops()
    {
        var sku = NewSku();
        await _inventory.AdjustAsync(sku, 30, "count", "test");
        await _inventory.SetLowStockThresholdAsync(sku, 20);

        await _inventory.AdjustAsync(sku, -9, "sale", "test");
        var stock = await _inventory.AdjustAsync(sku, -1, "sale", "test");

        Assert.Equal(20, _inventory.LowStockThresholdOf(stock));
        Assert.True(_inventory.IsLow(stock));
        var low = Assert.Single(await StockLowAsync(sku));
        Assert.Equal((20, 20), (low.Quantity, low.Threshold));
    }

    [Fact]
    public async Task A_fall_noted_but_not_yet_in_the_outbox_when_the_process_died_is_recorded_by_the_next_change_once()
    {
        var sku = NewSku();
        await _inventory.AdjustAsync(sku, 10, "count", "test");
        // The state a crash leaves between the stock write and the outbox record: the fall is noted on the document only.
        var container = await stores.Documents.GetContainerAsync(InventoryService.StockContainer);
        var crossing = new LowStockCrossing(1, 4, Threshold, DateTimeOffset.UtcNow);
        await container.ChangeAsync<StockLevel>(sku, StockLevel.MainLocation, s => s! with { OnHand = 4, LowStockCrossings = 1, UnrecordedLowStock = [crossing] });
        Assert.Empty(await StockLowAsync(sku));

        await _inventory.ReleaseAsync("no-such-reservation");
        await _inventory.AdjustAsync(sku, -1, "breakage", "test");
        await _inventory.AdjustAsync(sku, -1, "breakage", "test");

        var low = Assert.Single(await StockLowAsync(sku));
        Assert.Equal((4, $"sku:{sku}:stock-low:1"), (low.Quantity, low.Id));
        Assert.Empty((await _inventory.GetAsync(sku))!.UnrecordedLowStock);
    }

    [Fact]
    public async Task Falls_left_unrecorded_by_two_crashes_are_both_recorded_in_their_order()
    {
        var sku = NewSku();
        await _inventory.AdjustAsync(sku, 10, "count", "test");
        var container = await stores.Documents.GetContainerAsync(InventoryService.StockContainer);
        LowStockCrossing[] noted = [new(1, 4, Threshold, DateTimeOffset.UtcNow), new(2, 3, Threshold, DateTimeOffset.UtcNow)];
        await container.ChangeAsync<StockLevel>(sku, StockLevel.MainLocation, s => s! with { OnHand = 3, LowStockCrossings = 2, UnrecordedLowStock = noted });

        await _inventory.AdjustAsync(sku, 1, "found one", "test");
        await _inventory.AdjustAsync(sku, 1, "found one", "test");

        Assert.Equal([(4, $"sku:{sku}:stock-low:1"), (3, $"sku:{sku}:stock-low:2")], (await StockLowAsync(sku)).Select(e => (e.Quantity!.Value, e.Id)));
        Assert.Empty((await _inventory.GetAsync(sku))!.UnrecordedLowStock);
    }
}
