using Commerce.Catalog.Inventory;
using Microsoft.Extensions.Time.Testing;

namespace Commerce.Catalog.Tests.Inventory;

public sealed class InventoryServiceTests(CatalogStores stores) : IClassFixture<CatalogStores>
{
    private readonly InventoryService _inventory = stores.Inventory(TimeProvider.System);
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

        await _inventory.CommitAsync("r1");
        var sold = await _inventory.GetAsync(sku);
        Assert.Equal((7, 0, 7), (sold!.OnHand, sold.Reserved, sold.Available));

        await _inventory.RestockAsync("r1");
        var returned = await _inventory.GetAsync(sku);
        Assert.Equal((10, 0, 10), (returned!.OnHand, returned.Reserved, returned.Available));
    }

    [Fact]
    public async Task Release_gives_held_units_back()
    {
        var sku = await StockedAsync(5);
        await _inventory.ReserveAsync("r2", [new StockLine(sku, 5)], Later);

        await _inventory.ReleaseAsync("r2");

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

        await _inventory.CommitAsync("r5");
        await _inventory.CommitAsync("r5");
        await _inventory.ReleaseAsync("r5");
        Assert.Equal((8, 0), ((await _inventory.GetAsync(sku))!.OnHand, (await _inventory.GetAsync(sku))!.Reserved));

        await _inventory.RestockAsync("r5");
        await _inventory.RestockAsync("r5");
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

    /// <summary>The service on a clock the test moves, and a SKU with <paramref name="units"/> units.</summary>
    private async Task<(FakeTimeProvider Clock, InventoryService Inventory, string Sku)> OnAClockAsync(int units)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var inventory = stores.Inventory(clock);
        var sku = NewSku();
        await inventory.AdjustAsync(sku, units, "initial count", "test");
        return (clock, inventory, sku);
    }

    private static async Task<(int OnHand, int Reserved)> FiguresAsync(InventoryService inventory, string sku) =>
        (await inventory.GetAsync(sku)) is { } stock ? (stock.OnHand, stock.Reserved) : (0, 0);

    [Fact]
    public async Task Committing_a_reservation_that_expired_first_takes_the_stock_again_when_it_is_there()
    {
        var (clock, inventory, sku) = await OnAClockAsync(5);
        Assert.True((await inventory.ReserveAsync("lapsed-1", [new StockLine(sku, 3)], clock.GetUtcNow().AddMinutes(90))).Reserved);

        clock.Advance(TimeSpan.FromHours(2));
        Assert.True(await inventory.ReleaseExpiredAsync() >= 1);
        Assert.Equal((5, 0), await FiguresAsync(inventory, sku));
        await inventory.CommitAsync("lapsed-1");

        var stock = await inventory.GetAsync(sku);
        Assert.Equal((5 - 3, 0, 5 - 3), (stock!.OnHand, stock.Reserved, stock.Available));
    }

    [Fact]
    public async Task A_stock_document_keeps_its_held_reservations_and_only_a_few_finished_ones()
    {
        var sku = await StockedAsync(1_000);
        var sold = 0;
        for (var i = 0; i < 120; i++)
        {
            var quantity = 1 + i % 4;
            Assert.True((await _inventory.ReserveAsync($"bounded-{sku}-{i}", [new StockLine(sku, quantity)], Later)).Reserved);
            await _inventory.CommitAsync($"bounded-{sku}-{i}");
            sold += quantity;
        }
        Assert.True((await _inventory.ReserveAsync($"bounded-{sku}-held", [new StockLine(sku, 2)], Later)).Reserved);

        var stock = await _inventory.GetAsync(sku);
        Assert.Equal((1_000 - sold, 2), (stock!.OnHand, stock.Reserved));
        Assert.Contains($"bounded-{sku}-held", stock.Reservations.Keys);
        Assert.InRange(stock.Reservations.Count, 2, InventoryService.FinishedReservationsKept + 1);
    }

    [Fact]
    public async Task Committing_a_reservation_that_expired_after_its_units_were_sold_takes_nothing_and_names_the_sku()
    {
        var (clock, inventory, plenty) = await OnAClockAsync(10);
        var scarce = NewSku();
        await inventory.AdjustAsync(scarce, 3, "initial count", "test");
        Assert.True((await inventory.ReserveAsync("lapsed-2", [new StockLine(plenty, 4), new StockLine(scarce, 2)], clock.GetUtcNow().AddMinutes(90))).Reserved);
        clock.Advance(TimeSpan.FromHours(2));
        Assert.True(await inventory.ReleaseExpiredAsync() >= 1);
        Assert.True((await inventory.ReserveAsync("meanwhile", [new StockLine(scarce, 2)], clock.GetUtcNow().AddMinutes(90))).Reserved);
        Assert.True((await inventory.CommitAsync("meanwhile")).Committed);

        var first = await inventory.CommitAsync("lapsed-2");
        var repeated = await inventory.CommitAsync("lapsed-2");

        Assert.Equal(new CommitResult(false, Commerce.Catalog.Products.Skus.Normalize(scarce)), first);
        Assert.Equal(first, repeated);
        Assert.Equal((10, 0), await FiguresAsync(inventory, plenty));
        Assert.Equal((1, 0), await FiguresAsync(inventory, scarce));
    }

    [Fact]
    public async Task Commits_racing_the_expiry_sweep_and_other_buyers_take_each_order_s_units_once_and_never_more_than_there_are()
    {
        var (clock, inventory, sku) = await OnAClockAsync(60);
        var orders = Enumerable.Range(0, 40).Select(i => (Id: $"race-{sku}-{i}", Quantity: 1 + i % 2, Lapses: i < 20)).ToList();
        foreach (var order in orders)
            Assert.True((await inventory.ReserveAsync(order.Id, [new StockLine(sku, order.Quantity)], clock.GetUtcNow().AddMinutes(order.Lapses ? 90 : 300))).Reserved);
        clock.Advance(TimeSpan.FromHours(2));

        var sweeps = Enumerable.Range(0, 3).Select(_ => Task.Run(() => inventory.ReleaseExpiredAsync())).ToList();
        var others = Enumerable.Range(0, 30).Select(i => Task.Run(() => inventory.ReserveAsync($"other-{sku}-{i}", [new StockLine(sku, 1)], clock.GetUtcNow().AddHours(5)))).ToList();
        var commits = orders.Select(o => (o, Task.Run(() => inventory.CommitAsync(o.Id)), Task.Run(() => inventory.CommitAsync(o.Id)))).ToList();
        await Task.WhenAll(sweeps);
        var otherHolds = (await Task.WhenAll(others)).Count(r => r.Reserved);

        var sold = 0;
        foreach (var (order, first, second) in commits)
        {
            Assert.Equal((await first).Committed, (await second).Committed);
            Assert.True((await first).Committed || order.Lapses, $"{order.Id} never lapsed, yet it was not committed");
            sold += (await first).Committed ? order.Quantity : 0;
        }
        var stock = await inventory.GetAsync(sku);
        Assert.Equal((60 - sold, otherHolds), (stock!.OnHand, stock.Reserved));
        Assert.True(stock.Available >= 0);
    }

    [Fact]
    public async Task Returning_units_is_counted_once_even_after_the_stock_document_stopped_keeping_the_entry()
    {
        var sku = await StockedAsync(500);
        Assert.True((await _inventory.ReserveAsync($"kept-{sku}", [new StockLine(sku, 5)], Later)).Reserved);
        await _inventory.CommitAsync($"kept-{sku}");
        for (var i = 0; i < InventoryService.FinishedReservationsKept + 5; i++)
        {
            await _inventory.ReserveAsync($"later-{sku}-{i}", [new StockLine(sku, 1)], Later);
            await _inventory.CommitAsync($"later-{sku}-{i}");
        }
        Assert.DoesNotContain($"kept-{sku}", (await _inventory.GetAsync(sku))!.Reservations.Keys);

        await _inventory.RestockAsync($"kept-{sku}");
        await _inventory.RestockAsync($"kept-{sku}");

        Assert.Equal(500 - (InventoryService.FinishedReservationsKept + 5), (await _inventory.GetAsync(sku))!.OnHand);
        Assert.Equal(ReservationState.Returned, (await _inventory.GetReservationAsync($"kept-{sku}"))!.State);
    }
}
