using Commerce.Catalog.Customers;
using Commerce.Catalog.Inventory;
using Commerce.Catalog.Pricing;
using Commerce.Events.Outbox;
using Commerce.Orders.Orders;
using Commerce.Payments.Channels;
using Commerce.Retention.Notifications;
using Microsoft.DurableTask;

namespace Commerce.Orchestrations.OrderLifecycle.Activities;

/// <summary>Products still active, quantities still allowed (minimums, pack sizes), and for net terms a business within its credit limit.</summary>
public sealed class ValidateOrder(PricingService pricing, CustomerService customers) : TaskActivity<OrderLifecycleInput, ValidationOutcome>
{
    public override async Task<ValidationOutcome> RunAsync(TaskActivityContext context, OrderLifecycleInput order)
    {
        var quotes = await pricing.QuoteLinesAsync(order.CustomerId, null, null, order.Lines.Select(l => (l.Sku, l.Quantity)).ToList());
        foreach (var quote in quotes)
        {
            if (quote.UnknownSku)
                return new ValidationOutcome(false, string.Join("; ", quote.Errors.SelectMany(e => e.Value)));
            if (quote.Quote is { IsValid: false } invalid)
                return new ValidationOutcome(false, string.Join("; ", invalid.Problems.Select(p => p.Message)));
        }
        if (order.PaymentMethod == PaymentMethods.NetTerms)
        {
            var customer = (await customers.GetAsync(order.CustomerId))?.Customer;
            if ((customer is null ? Customer.WithoutCreditTerms : customer.NetTermsRefusal(order.Total, order.Currency)) is { } refusal)
                return new ValidationOutcome(false, refusal);
        }
        return new ValidationOutcome(true, null);
    }
}

/// <summary>Holds stock for every line under the order id, all or none, and notes it on the order; a line short of stock is a stock-out event.</summary>
public sealed class ReserveStock(InventoryService inventory, OrderRepository orders, EventOutbox outbox, TimeProvider time) : TaskActivity<ReserveRequest, ReservationOutcome>
{
    public override async Task<ReservationOutcome> RunAsync(TaskActivityContext context, ReserveRequest request)
    {
        var result = await inventory.ReserveAsync(request.OrderId, request.Lines.Select(l => new StockLine(l.Sku, l.Quantity)).ToList(), request.ExpiresAt);
        if (result.Reserved)
            await orders.UpdateAsync(request.OrderId, o => o.WithStep("stock-reserved", time.GetUtcNow()));
        else if (result.ShortSku is { } sku)
            await outbox.RecordAsync(StockEvents.Subject(sku),
                [StockEvents.StockOut(sku, request.OrderId, request.Lines.Where(l => l.Sku == sku).Sum(l => l.Quantity), time.GetUtcNow())]);
        return new ReservationOutcome(result.Reserved, result.ShortSku);
    }
}

/// <summary>
/// The held units leave stock (on hand and reserved both go down) and the order is paid. A reservation that lapsed
/// before the payment came through is taken again if the units are there; if not, the answer is false and the
/// order's timeline says which SKU ran out.
/// </summary>
public sealed class CommitStock(InventoryService inventory, OrderRepository orders, NotificationOutbox notifications, TimeProvider time) : TaskActivity<string, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, string orderId)
    {
        var result = await inventory.CommitAsync(orderId);
        var order = await orders.UpdateAsync(orderId, o => result.Committed
            ? o.WithStep("paid", time.GetUtcNow(), OrderStatus.Paid)
            : o.WithStep("stock-lost", time.GetUtcNow(), detail: $"the stock reservation lapsed before the payment came through, and {result.ShortSku} has run out since"));
        if (result.Committed && OrderStatusMessages.For(order) is { } message)
            await notifications.SendAsync(message);
        return result.Committed;
    }
}

/// <summary>The held units go back to available stock.</summary>
public sealed class ReleaseStock(InventoryService inventory) : TaskActivity<string, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, string orderId)
    {
        await inventory.ReleaseAsync(orderId);
        return true;
    }
}

/// <summary>Committed units come back on hand (an order cancelled after payment).</summary>
public sealed class RestockOrder(InventoryService inventory) : TaskActivity<string, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, string orderId)
    {
        await inventory.RestockAsync(orderId);
        return true;
    }
}
