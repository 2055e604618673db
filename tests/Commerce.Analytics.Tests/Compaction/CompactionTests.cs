using Commerce.Analytics.Lake;
using Commerce.Events.Behaviour;
using Commerce.Events.Outbox;
using Commerce.Orders.Orders;
using Commerce.Storage.Documents;

namespace Commerce.Analytics.Tests.Compaction;

public sealed class CompactionTests : IDisposable
{
    private readonly LakeStack _stack = new();
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static BehaviourEvent View(string id, string device, DateTimeOffset at, string sku = "SKU-1") =>
        new(id, BehaviourEventTypes.ProductViewed, at, null, device) { Sku = sku, ReceivedAt = at };

    [Fact]
    public async Task Landed_batches_reach_the_lake_by_day_and_a_repeat_of_an_event_is_stored_once()
    {
        var yesterday = Now.AddDays(-1);
        await _stack.Inbox.AppendAsync([View("e1", "d1", Now), View("e2", "d1", Now), View("e3", "d1", yesterday)], Now);
        // The same events again (a client retrying), one of them also from another device: only that one is new.
        await _stack.Inbox.AppendAsync([View("e1", "d1", Now), View("e3", "d1", yesterday), View("e1", "d2", Now)], Now);

        var first = await _stack.Compactor.RunAsync(TimeSpan.FromMinutes(1));

        Assert.Equal((2, 6, 4), (first.Batches, first.ClientEvents, first.Written.Events));
        Assert.Equal(0, await _stack.Inbox.CountAsync());
        Assert.Equal(4, await _stack.ScalarAsync("SELECT count(*) FROM events"));
        Assert.Equal(1, await _stack.ScalarAsync("SELECT count(*) FROM events WHERE date = DATE '2026-11-30'"));
        Assert.Equal(2, await _stack.ScalarAsync("SELECT count(*) FROM events WHERE event_id = 'e1'"));

        // A later batch repeating them (or a round repeated after a crash before the inbox was cleared) adds nothing.
        await _stack.Inbox.AppendAsync([View("e2", "d1", Now), View("e3", "d1", yesterday)], Now);
        var second = await _stack.Compactor.RunAsync(TimeSpan.FromMinutes(1));
        Assert.Equal((1, 0), (second.Batches, second.Written.Events));
        Assert.Equal(4, await _stack.ScalarAsync("SELECT count(*) FROM events"));
        Assert.Equal(0, await _stack.Inbox.CountAsync());
    }

    [Fact]
    public async Task Only_one_run_holds_the_lake_at_a_time()
    {
        await _stack.Inbox.AppendAsync([View("e1", "d1", Now)], Now);
        var state = await _stack.Documents.GetContainerAsync(LakeCompactor.StateContainer);
        await state.UpsertAsync("compactor", "lease", new { holder = "another-instance", expiresAt = DateTimeOffset.UtcNow.AddMinutes(5) });

        var blocked = await _stack.Compactor.RunAsync(TimeSpan.FromMinutes(1));
        Assert.True(blocked.Busy);
        Assert.Equal(1, await _stack.Inbox.CountAsync());

        await state.UpsertAsync("compactor", "lease", new { holder = "another-instance", expiresAt = DateTimeOffset.UtcNow.AddSeconds(-1) });
        var taken = await _stack.Compactor.RunAsync(TimeSpan.FromMinutes(1));
        Assert.False(taken.Busy);
        Assert.Equal(1, taken.Written.Events);
    }

    [Fact]
    public async Task Runs_started_together_never_write_an_event_twice()
    {
        for (var b = 0; b < 20; b++)
            await _stack.Inbox.AppendAsync([.. Enumerable.Range(0, 50).Select(i => View($"b{b}-e{i}", "d1", Now))], Now);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => _stack.Compactor.RunAsync(TimeSpan.FromMinutes(1)))));
        await _stack.Compactor.DrainAsync();

        Assert.Equal(1000, runs.Sum(r => r.Written.Events));
        Assert.Equal(1000, await _stack.ScalarAsync("SELECT count(*) FROM events"));
        Assert.Equal(1000, await _stack.ScalarAsync("SELECT count(DISTINCT event_id) FROM events"));
    }

    [Fact]
    public async Task Finished_orders_reach_the_lake_with_their_events_and_only_completed_ones_with_lines()
    {
        Order Order(string id, OrderStatus status) => new()
        {
            Id = id, CustomerId = "c1", Status = OrderStatus.Placed, Currency = "GBP", PaymentMethod = "pm_card_visa", PlacedAt = Now,
            Lines = [new OrderLine("A", "Mug", 2, 4.5m, 9m) { ListUnitPrice = 5m }], Total = 9m, Timeline = [new TimelineEntry(Now, "placed")],
        };
        await _stack.Orders.CreateAsync(Order("o-done", OrderStatus.Placed));
        await _stack.Orders.CreateAsync(Order("o-cancelled", OrderStatus.Placed));
        await _stack.Orders.CreateAsync(Order("o-open", OrderStatus.Placed));
        await _stack.Orders.UpdateAsync("o-done", o => o.WithStep("paid", Now.AddSeconds(1), OrderStatus.Paid).WithStep("completed", Now.AddSeconds(2), OrderStatus.Completed));
        await _stack.Orders.UpdateAsync("o-cancelled", o => o.WithStep("cancelled", Now.AddSeconds(1), OrderStatus.Cancelled, cancellationReason: CancellationReasons.OutOfStock));

        var report = await _stack.Compactor.RunAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(["c1"], report.CustomersWithNewOrders);
        Assert.Equal(2, await _stack.ScalarAsync("SELECT count(*) FROM orders"));
        Assert.Equal(1, await _stack.ScalarAsync("SELECT count(*) FROM orders WHERE order_id = 'o-cancelled' AND cancellation_reason = 'out_of_stock'"));
        Assert.Equal(1, await _stack.ScalarAsync("SELECT count(*) FROM order_lines WHERE order_id = 'o-done' AND discounted AND list_unit_price = 5"));
        Assert.Equal(0, await _stack.ScalarAsync("SELECT count(*) FROM order_lines WHERE order_id <> 'o-done'"));
        // Every event of every order, the open one's too, numbered per order.
        Assert.Equal(3, await _stack.ScalarAsync("SELECT count(*) FROM events WHERE type = 'order_placed'"));
        Assert.Equal(1, await _stack.ScalarAsync("SELECT count(*) FROM events WHERE type = 'order_cancelled' AND reason = 'out_of_stock' AND sequence = 2"));
        Assert.Equal("1,2,3", string.Join(",", (await _stack.Outbox.ReadAsync(OrderHistoryEvents.Subject("o-done"))).Select(e => e.Sequence)));
    }

    [Fact]
    public async Task Stock_customer_and_model_events_reach_the_lake_as_events_and_make_no_orders_or_customers_to_refresh()
    {
        SystemEvent Event(string id, string type, string subject) => new() { Id = id, Type = type, Subject = subject, Time = Now };
        await _stack.Outbox.RecordAsync("sku:A", [Event("sku:A:stock-low:1", SystemEventTypes.StockLow, "sku:A") with { Sku = "A", Quantity = 3, Threshold = 5 }]);
        await _stack.Outbox.RecordAsync("customer:c1",
        [
            Event("customer:c1:segment:1:Loyal", SystemEventTypes.CustomerSegmentChanged, "customer:c1") with { CustomerId = "c1", From = "New", To = "Loyal" },
            Event("customer:c1:stage:1:Active", SystemEventTypes.CustomerStageChanged, "customer:c1") with { CustomerId = "c1", From = "New", To = "Active" },
        ]);
        await _stack.Outbox.RecordAsync("model:churn", [Event("model:churn:promoted:v2:1", SystemEventTypes.ModelPromoted, "model:churn") with { From = "v1", To = "v2" }]);

        var report = await _stack.Compactor.RunAsync(TimeSpan.FromMinutes(1));

        Assert.Equal((4, 4, 0, 0), (report.SystemEvents, report.Written.Events, report.Written.Orders, report.Written.OrderLines));
        Assert.Empty(report.CustomersWithNewOrders);
        Assert.Equal(1, await _stack.ScalarAsync("SELECT count(*) FROM events WHERE type = 'stock_low' AND sku = 'A' AND quantity = 3 AND source = 'system'"));
        Assert.Equal(2, await _stack.ScalarAsync("SELECT count(*) FROM events WHERE type LIKE 'customer_%_changed' AND customer_id = 'c1'"));
        Assert.Equal(1, await _stack.ScalarAsync("SELECT count(*) FROM events WHERE type = 'model_promoted' AND subject = 'model:churn'"));
        Assert.Empty(await _stack.Outbox.PendingAsync(OutboxConsumers.Lake, 10));
    }

    public void Dispose() => _stack.Dispose();
}
