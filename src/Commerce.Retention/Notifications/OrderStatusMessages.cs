using System.Globalization;
using Commerce.Orders.Orders;

namespace Commerce.Retention.Notifications;

/// <summary>The transactional message for an order reaching a status, keyed by order and status so it is sent once however often the step runs.</summary>
public static class OrderStatusMessages
{
    public static NotificationRequest? For(Order order)
    {
        var total = string.Create(CultureInfo.InvariantCulture, $"{order.Currency} {order.Total:N2}");
        NotificationContent? content = order.Status switch
        {
            OrderStatus.Paid => new("Order confirmed", $"Thank you: order {order.Id} ({total}) is paid and being prepared."),
            OrderStatus.Shipped => new("Your order is on its way", $"Order {order.Id} has shipped."),
            OrderStatus.Completed => new("Your order has arrived", $"Order {order.Id} is complete. We hope you enjoy it."),
            OrderStatus.Cancelled => new("Order cancelled", $"Order {order.Id} was cancelled ({order.CancellationReason?.Replace('_', ' ') ?? "no reason given"}); any payment is returned."),
            _ => null,
        };
        return content is null ? null : new NotificationRequest(
            $"order:{order.Id}:{order.Status.ToString().ToLowerInvariant()}", order.CustomerId, NotificationCategory.Transactional,
            "order_" + order.Status.ToString().ToLowerInvariant(), content);
    }
}
