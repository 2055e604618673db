using Commerce.Analytics.History;
using Commerce.Orders.Orders;

namespace Commerce.Retention.Audience;

/// <summary>
/// The purchase history of the order store between two moments: every line of every order that was not cancelled
/// (at the time it was placed) and every return (at the time it came back), as the features expect them.
/// </summary>
public sealed class OrderStoreHistory(OrderRepository orders)
{
    private const int Concurrency = 16;

    public async Task<PurchaseHistory> LoadAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        var ids = new List<string>();
        string? token = null;
        do
        {
            var page = await orders.ListAsync(null, from, to, 1000, token, cancellationToken).ConfigureAwait(false);
            ids.AddRange(page.Orders.Where(o => o.Status != OrderStatus.Cancelled).Select(o => o.Id));
            token = page.ContinuationToken;
        }
        while (token is not null);

        var lines = new System.Collections.Concurrent.ConcurrentBag<Purchase>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            if (await orders.GetAsync(id, ct).ConfigureAwait(false) is not { Status: not OrderStatus.Cancelled } order)
                return;
            foreach (var line in Lines(order))
                lines.Add(line);
        }).ConfigureAwait(false);
        return new PurchaseHistory(lines);
    }

    public static IEnumerable<Purchase> Lines(Order order)
    {
        var country = order.ShippingAddress?.Country ?? "";
        var placed = order.PlacedAt.UtcDateTime;
        foreach (var line in order.Lines)
            yield return new Purchase(order.CustomerId, order.Id, line.Sku, line.Quantity, line.UnitPrice, placed, country) { Name = line.Name, Discounted = line.Discounted };
        foreach (var back in order.Returns)
            yield return new Purchase(order.CustomerId, back.Id, back.Sku, -back.Quantity, back.UnitPrice, back.At.UtcDateTime, country) { Name = back.Name, ReturnOf = order.Id };
    }
}
