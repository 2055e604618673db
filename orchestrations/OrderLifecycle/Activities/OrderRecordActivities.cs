using Commerce.Durable;
using Commerce.Orders.Orders;
using Commerce.Orders.Risk;
using Commerce.Retention.Notifications;

namespace Commerce.Orchestrations.OrderLifecycle.Activities;

/// <summary>Adds steps to the order's timeline (and moves its status); a step already recorded is left alone.</summary>
public sealed class RecordOrderStep(OrderRepository orders, NotificationOutbox notifications, TimeProvider time) : TaskActivity<OrderSteps, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, OrderSteps record)
    {
        var order = await orders.UpdateAsync(record.OrderId, order => OrderSteps.Apply(order, record.Steps, time.GetUtcNow()), context.CancellationToken);
        if (record.Steps.Any(s => s.Status is not null) && OrderStatusMessages.For(order) is { } message)
            await notifications.SendAsync(message, context.CancellationToken);
        return true;
    }
}

/// <summary>Opens the order's shipment (once) and marks the order as being fulfilled.</summary>
public sealed class CreateShipment(OrderRepository orders, TimeProvider time) : TaskActivity<string, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, string orderId)
    {
        var now = time.GetUtcNow();
        var order = await orders.UpdateAsync(orderId, o =>
            (o.Shipment is null ? o with { Shipment = new Shipment($"shp-{o.Id}", now) } : o).WithStep("fulfilling", now, OrderStatus.Fulfilling), context.CancellationToken);
        return order.Shipment!.Id;
    }
}

/// <summary>Amount limits, order velocity and the deny list, as <see cref="RiskRules"/> decides them.</summary>
public sealed class AssessRisk(OrderRepository orders, RiskSettings settings, TimeProvider time) : TaskActivity<OrderLifecycleInput, RiskOutcome>
{
    public override async Task<RiskOutcome> RunAsync(TaskActivityContext context, OrderLifecycleInput order)
    {
        var recent = await orders.CountPlacedSinceAsync(order.CustomerId, time.GetUtcNow() - settings.VelocityWindow, context.CancellationToken);
        var decision = RiskRules.Assess(settings, order.CustomerId, order.Total, order.Currency, Math.Max(recent, 1));
        return new RiskOutcome(decision.Approved, decision.Reason);
    }
}
