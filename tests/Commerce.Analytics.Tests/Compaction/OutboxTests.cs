using Commerce.Events.Outbox;
using Commerce.Orders.Orders;

namespace Commerce.Analytics.Tests.Compaction;

public sealed class OutboxTests : IDisposable
{
    private readonly LakeStack _stack = new();
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static SystemEvent Event(string id) => new() { Id = id, Type = SystemEventTypes.StockOut, Subject = "sku:A", Time = Now };

    [Fact]
    public async Task Concurrent_writers_number_a_subjects_records_without_gaps_and_record_each_once()
    {
        // Eight writers, each recording its own five events and two events every writer records.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() =>
            _stack.Outbox.RecordAsync("sku:A", [.. Enumerable.Range(0, 5).Select(i => Event($"w{w}-{i}")), Event("shared-1"), Event("shared-2")]))));

        var stream = await _stack.Outbox.ReadAsync("sku:A");
        Assert.Equal(8 * 5 + 2, stream.Count);
        Assert.Equal(Enumerable.Range(1, stream.Count).Select(i => (long)i), stream.Select(e => e.Sequence));
        Assert.Equal(stream.Count, stream.Select(e => e.Id).Distinct().Count());
        Assert.All(stream, e => Assert.Equal("sku:A", e.Subject));
        Assert.Equal(["w3-1", "w3-2"], (await _stack.Outbox.ReadAsync("sku:A")).Select(e => e.Id).Where(id => id is "w3-1" or "w3-2").Order());
        Assert.Equal(stream.Count - 10, (await _stack.Outbox.ReadAsync("sku:A", afterSequence: 10)).Count);
    }

    [Fact]
    public async Task A_subject_recorded_to_after_it_was_listed_stays_pending_when_the_consumer_acknowledges_the_old_listing()
    {
        await _stack.Outbox.RecordAsync("sku:A", [Event("e1")]);
        var listed = Assert.Single(await _stack.Outbox.PendingAsync(OutboxConsumers.Lake, 10));
        await _stack.Outbox.RecordAsync("sku:A", [Event("e2")]);

        Assert.False(await _stack.Outbox.AcknowledgeAsync(OutboxConsumers.Lake, listed));
        var again = Assert.Single(await _stack.Outbox.PendingAsync(OutboxConsumers.Lake, 10));
        Assert.True(await _stack.Outbox.AcknowledgeAsync(OutboxConsumers.Lake, again));
        Assert.Empty(await _stack.Outbox.PendingAsync(OutboxConsumers.Lake, 10));
        await Assert.ThrowsAsync<ArgumentException>(() => _stack.Outbox.PendingAsync("relay", 10));
    }

    [Fact]
    public async Task Order_changes_record_the_events_they_imply_once_and_a_repeated_step_adds_nothing()
    {
        var order = new Order
        {
            Id = "o-1", CustomerId = "c1", Status = OrderStatus.Placed, Currency = "GBP", PaymentMethod = "pm_card_visa", PlacedAt = Now,
            Lines = [new OrderLine("A", "Mug", 1, 5m, 5m)], Total = 5m, Timeline = [new TimelineEntry(Now, "placed")],
        };
        await _stack.Orders.CreateAsync(order);
        var attempt = new OrderPayment("k|sandbox-a|authorize", Now, "sandbox-a", "authorize", "Declined", "insufficient_funds", 5m, 12.5, null);
        await _stack.Orders.UpdateAsync("o-1", o => o.WithPayments([attempt]));
        await _stack.Orders.UpdateAsync("o-1", o => o.WithPayments([attempt]));
        await _stack.Orders.UpdateAsync("o-1", o => o.WithStep("stock-reserved", Now));
        await _stack.Orders.UpdateAsync("o-1", o => o.WithStep("cancelled", Now.AddSeconds(3), OrderStatus.Cancelled, cancellationReason: CancellationReasons.PaymentDeclined));
        await _stack.Orders.CreateAsync(order);

        var stream = await _stack.Outbox.ReadAsync(OrderHistoryEvents.Subject("o-1"));
        Assert.Equal([SystemEventTypes.OrderPlaced, SystemEventTypes.PaymentAttempted, SystemEventTypes.OrderCancelled], stream.Select(e => e.Type));
        var payment = stream[1];
        Assert.Equal(("sandbox-a", "authorize", "Declined", "insufficient_funds", 12.5), (payment.Channel, payment.Operation, payment.Outcome, payment.DeclineCode, payment.DurationMs));
        Assert.Equal(CancellationReasons.PaymentDeclined, stream[2].Reason);
        Assert.Equal([1L, 2, 3], stream.Select(e => e.Sequence));
    }

    [Fact]
    public async Task A_crash_between_an_orders_commit_and_its_recording_is_mended_by_the_repeated_step()
    {
        // The commit happened (the order document says completed) but the events were never recorded.
        var order = new Order
        {
            Id = "o-2", CustomerId = "c1", Status = OrderStatus.Completed, Currency = "GBP", PaymentMethod = "pm_card_visa", PlacedAt = Now, CompletedAt = Now.AddMinutes(1),
            Lines = [new OrderLine("A", "Mug", 1, 5m, 5m)], Total = 5m, Timeline = [new TimelineEntry(Now, "placed"), new TimelineEntry(Now.AddMinutes(1), "completed")],
        };
        var orders = await _stack.Documents.GetContainerAsync(OrderRepository.OrdersContainer);
        await Commerce.Storage.Documents.DocumentContainerExtensions.CreateAsync(orders, "o-2", "o-2", order);
        Assert.Empty(await _stack.Outbox.ReadAsync(OrderHistoryEvents.Subject("o-2")));

        // The activity runs again: its change is already there, so it writes nothing, and records what the order implies.
        await _stack.Orders.UpdateAsync("o-2", o => o.WithStep("completed", Now.AddMinutes(2), OrderStatus.Completed));

        Assert.Equal([SystemEventTypes.OrderPlaced, SystemEventTypes.OrderCompleted], (await _stack.Outbox.ReadAsync(OrderHistoryEvents.Subject("o-2"))).Select(e => e.Type));
        Assert.Equal(60_000, (await _stack.Outbox.ReadAsync(OrderHistoryEvents.Subject("o-2")))[1].DurationMs);
    }

    public void Dispose() => _stack.Dispose();
}
