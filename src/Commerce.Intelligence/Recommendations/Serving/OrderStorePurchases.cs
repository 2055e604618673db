using System.Collections.Concurrent;
using Commerce.Analytics.History;
using Commerce.Orders.Orders;

namespace Commerce.Intelligence.Recommendations.Serving;

/// <summary>One buyer's purchases since a moment, straight from where orders are made, so serving sees an order the moment it exists.</summary>
public interface IRecentPurchases
{
    Task<IReadOnlyList<Purchase>> SinceAsync(string customerId, DateTimeOffset since, CancellationToken cancellationToken);
}

/// <summary>
/// Purchases read from the order store: every order that was not cancelled counts, from the moment it is
/// placed (a cancelled or declined order stops counting the moment its status says so); for training, its
/// returns count too, from the moment they came back. An order's lines never
/// change once placed, so they are kept in memory by order id and only the buyer's order index is read per call.
/// </summary>
public sealed class OrderStorePurchases(OrderRepository orders) : IPurchaseHistorySource, IRecentPurchases
{
    private const int LinesCached = 200_000;
    private readonly ConcurrentDictionary<string, Order> _placed = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<Purchase>> SinceAsync(string customerId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var result = new List<Purchase>();
        string? token = null;
        do
        {
            var page = await orders.ListByCustomerAsync(customerId, null, 100, token, cancellationToken).ConfigureAwait(false);
            foreach (var summary in page.Orders)
            {
                if (summary.PlacedAt < since)
                    return result;
                if (summary.Status != OrderStatus.Cancelled)
                    result.AddRange(Lines(await PlacedAsync(summary.Id, cancellationToken).ConfigureAwait(false)));
            }
            token = page.ContinuationToken;
        }
        while (token is not null);
        return result;
    }

    public async Task<PurchaseHistory> LoadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var result = new List<Purchase>();
        string? token = null;
        do
        {
            var page = await orders.ListAsync(null, from, to, 100, token, cancellationToken).ConfigureAwait(false);
            foreach (var summary in page.Orders.Where(o => o.Status != OrderStatus.Cancelled))
            {
                if (await orders.GetAsync(summary.Id, cancellationToken).ConfigureAwait(false) is { } order)
                    result.AddRange(Lines(order).Concat(Returns(order)));
            }
            token = page.ContinuationToken;
        }
        while (token is not null);
        return new PurchaseHistory(result);
    }

    private async Task<Order> PlacedAsync(string orderId, CancellationToken cancellationToken)
    {
        if (_placed.TryGetValue(orderId, out var cached))
            return cached;
        var order = await orders.GetAsync(orderId, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Order '{orderId}' is in the index but does not exist.");
        if (_placed.Count >= LinesCached)
            _placed.Clear();
        _placed[orderId] = order;
        return order;
    }

    private static IEnumerable<Purchase> Lines(Order order) =>
        order.Lines.Select(l => new Purchase(order.CustomerId, order.Id, l.Sku, l.Quantity, l.UnitPrice, order.PlacedAt.UtcDateTime, order.ShippingAddress?.Country ?? "")
        {
            Name = l.Name,
            Discounted = l.Discounted,
        });

    /// <summary>What came back, when it came back, as negative quantities (the customer features net them off).</summary>
    private static IEnumerable<Purchase> Returns(Order order) =>
        order.Returns.Select(r => new Purchase(order.CustomerId, r.ReturnId, r.Sku, -r.Quantity, r.UnitPrice, r.At.UtcDateTime, order.ShippingAddress?.Country ?? "")
        {
            Name = r.Name,
            ReturnOf = order.Id,
        });
}
