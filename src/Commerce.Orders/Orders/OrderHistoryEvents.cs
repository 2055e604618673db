using Commerce.Events.Outbox;

namespace Commerce.Orders.Orders;

/// <summary>
/// The system events an order's state implies: placed, paid, cancelled (with its reason), completed, refunded
/// (a refund payment, or goods returned), and one per payment attempt. Each id names the order and the fact,
/// so deriving them again after any later change gives the same ids.
/// </summary>
public static class OrderHistoryEvents
{
    public static string Subject(string orderId) => "order:" + orderId;

    public static IReadOnlyList<SystemEvent> Of(Order order)
    {
        var subject = Subject(order.Id);
        SystemEvent Event(string fact, string type, DateTimeOffset at) => new()
        {
            Id = $"{subject}:{fact}",
            Type = type,
            Subject = subject,
            Time = at,
            CustomerId = order.CustomerId,
            OrderId = order.Id,
            Currency = order.Currency,
        };

        var events = new List<SystemEvent>
        {
            Event("placed", SystemEventTypes.OrderPlaced, order.PlacedAt) with { Amount = order.Total, Quantity = order.Lines.Sum(l => l.Quantity) },
        };
        events.AddRange(order.Payments.Select(p => Event("payment:" + p.Id, SystemEventTypes.PaymentAttempted, p.At) with
        {
            Amount = p.Amount, Channel = p.Channel, Operation = p.Operation, Outcome = p.Outcome, DeclineCode = p.DeclineCode, DurationMs = p.LatencyMs,
        }));
        if (order.PaidAt is { } paid)
            events.Add(Event("paid", SystemEventTypes.OrderPaid, paid) with { Amount = order.Total });
        events.AddRange(order.Payments
            .Where(p => p is { Operation: "refund", Outcome: "Approved" })
            .Select(p => Event("refund:" + p.Id, SystemEventTypes.OrderRefunded, p.At) with { Amount = p.Amount, Channel = p.Channel }));
        events.AddRange(order.Returns.Select(r => Event("return:" + r.Key, SystemEventTypes.OrderRefunded, r.At) with
        {
            Amount = r.Amount, Sku = r.Sku, Quantity = r.Quantity, Reason = "returned",
        }));
        if (order.CancelledAt is { } cancelled)
            events.Add(Event("cancelled", SystemEventTypes.OrderCancelled, cancelled) with { Reason = order.CancellationReason });
        if (order.CompletedAt is { } completed)
            events.Add(Event("completed", SystemEventTypes.OrderCompleted, completed) with { Amount = order.Total, DurationMs = (completed - order.PlacedAt).TotalMilliseconds });
        return [.. events.OrderBy(e => e.Time)];
    }
}
