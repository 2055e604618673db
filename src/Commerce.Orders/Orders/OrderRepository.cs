using Commerce.Events.Outbox;
using Commerce.Storage.Documents;

namespace Commerce.Orders.Orders;

/// <summary>An order as lists show it.</summary>
public sealed record OrderSummary(
    string Id,
    string CustomerId,
    OrderStatus Status,
    string? CancellationReason,
    decimal Total,
    string Currency,
    int Items,
    DateTimeOffset PlacedAt,
    DateTimeOffset UpdatedAt);

public sealed record OrderPage(IReadOnlyList<OrderSummary> Orders, string? ContinuationToken);

/// <summary>
/// Orders, one document each (partition = order id), and an index of summaries kept twice: per customer
/// (for "my orders") and per day placed (for the back office), so that every read is a point read or a
/// single-partition query. Every change goes through <see cref="UpdateAsync"/>, which retries on ETag
/// conflicts and refreshes both index entries.
/// </summary>
/// <remarks>
/// This is also where order and payment events are recorded (<see cref="OrderHistoryEvents"/>): after a
/// change that implies new ones, and after a change that turned out to be done already, since that is a
/// step repeated after a crash, which may have come between its commit and the recording.
/// </remarks>
public sealed class OrderRepository(IDocumentStore documents, EventOutbox outbox, TimeProvider time)
{
    public const string OrdersContainer = "orders";
    public const string IndexContainer = "order-index";
    private const string DayPrefix = "day:";

    private IDocumentContainer? _orders;
    private IDocumentContainer? _index;

    /// <summary>
    /// Raised with the customer's id once their order index changed here: an order placed, or one whose status,
    /// cancellation reason or total changed (cancelled, declined). Caches of a customer's orders drop their copy.
    /// </summary>
    public event Action<string>? CustomerOrdersChanged;

    private async Task<IDocumentContainer> OrdersAsync(CancellationToken cancellationToken) =>
        _orders ??= await documents.GetContainerAsync(OrdersContainer, cancellationToken).ConfigureAwait(false);

    private async Task<IDocumentContainer> IndexAsync(CancellationToken cancellationToken) =>
        _index ??= await documents.GetContainerAsync(IndexContainer, cancellationToken).ConfigureAwait(false);

    /// <returns>null also for an id no order can have (ids come from URLs).</returns>
    public async Task<Order?> GetAsync(string orderId, CancellationToken cancellationToken = default) =>
        DocumentRules.IsValidKey(orderId)
            ? (await (await OrdersAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<Order>(orderId, orderId, cancellationToken).ConfigureAwait(false))?.Value
            : null;

    /// <summary>
    /// Stores a new order; when one with this id exists already (a retried checkout), returns that one instead.
    /// The order's entry in the day's index is written first, so that a stored order always has one for the
    /// stalled-checkout sweep to find, wherever a crash stops this; an entry already there is left as it is.
    /// </summary>
    public async Task<(Order Order, bool Created)> CreateAsync(Order order, CancellationToken cancellationToken = default)
    {
        var index = await IndexAsync(cancellationToken).ConfigureAwait(false);
        var summary = Summarize(order);
        try
        {
            await index.CreateAsync(DailyPartitions.Key(order.PlacedAt, DayPrefix), order.Id, summary, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException)
        {
            // Written by an earlier try of this checkout, or kept up to date by the order's changes since.
        }
        try
        {
            await (await OrdersAsync(cancellationToken).ConfigureAwait(false)).CreateAsync(order.Id, order.Id, order, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException)
        {
            var existing = (await GetAsync(order.Id, cancellationToken).ConfigureAwait(false))!;
            await RecordEventsAsync(existing, cancellationToken).ConfigureAwait(false);
            return (existing, false);
        }
        await index.UpsertAsync(CustomerPartition(order.CustomerId), order.Id, summary, cancellationToken).ConfigureAwait(false);
        CustomerOrdersChanged?.Invoke(order.CustomerId);
        await RecordEventsAsync(order, cancellationToken).ConfigureAwait(false);
        return (order, true);
    }

    /// <summary>Removes the day's index entry of an order that was never stored (its checkout died between writing the entry and the order).</summary>
    public async Task ForgetUnstoredAsync(OrderSummary summary, CancellationToken cancellationToken = default)
    {
        if (await GetAsync(summary.Id, cancellationToken).ConfigureAwait(false) is null)
            await (await IndexAsync(cancellationToken).ConfigureAwait(false)).DeleteAsync(DailyPartitions.Key(summary.PlacedAt, DayPrefix), summary.Id, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current order and stores it, retrying with a fresh read when
    /// someone else changed the order in between. A change that returns the order unchanged writes nothing.
    /// </summary>
    /// <exception cref="KeyNotFoundException">there is no such order.</exception>
    public async Task<Order> UpdateAsync(string orderId, Func<Order, Order> change, CancellationToken cancellationToken = default)
    {
        var orders = await OrdersAsync(cancellationToken).ConfigureAwait(false);
        Order? before = null;
        var after = await orders.ChangeAsync<Order>(orderId, orderId, current =>
        {
            before = current ?? throw new KeyNotFoundException($"Order '{orderId}' does not exist.");
            return change(current);
        }, cancellationToken).ConfigureAwait(false);
        // Lists show status and totals only; other changes (payments, timeline) leave the index alone.
        if (after!.Status != before!.Status || after.CancellationReason != before.CancellationReason || after.Total != before.Total)
            await IndexAsync(after, cancellationToken).ConfigureAwait(false);
        if (ReferenceEquals(after, before) || OrderHistoryEvents.Of(after).Count != OrderHistoryEvents.Of(before).Count)
            await RecordEventsAsync(after, cancellationToken).ConfigureAwait(false);
        return after;
    }

    /// <summary>A customer's orders, newest first.</summary>
    public async Task<OrderPage> ListByCustomerAsync(string customerId, OrderStatus? status, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var query = DocumentQuery.All with { OrderBy = "placedAt", Descending = true, PageSize = pageSize, ContinuationToken = continuationToken };
        if (status is { } wanted)
            query = query.Where("status", wanted);
        var page = await (await IndexAsync(cancellationToken).ConfigureAwait(false)).QueryAsync(CustomerPartition(customerId), query, cancellationToken).ConfigureAwait(false);
        return new OrderPage(page.Items.Select(i => i.Deserialize<OrderSummary>()).ToList(), page.ContinuationToken);
    }

    /// <summary>How many orders the customer placed at or after <paramref name="since"/>.</summary>
    public async Task<int> CountPlacedSinceAsync(string customerId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        var query = DocumentQuery.All.Where("placedAt", FilterOperator.GreaterThanOrEqual, since) with { PageSize = DocumentQuery.MaxPageSize };
        var index = await IndexAsync(cancellationToken).ConfigureAwait(false);
        return (await index.QueryAllAsync(CustomerPartition(customerId), query, cancellationToken).ConfigureAwait(false)).Count;
    }

    /// <summary>All orders placed in a time range, newest day first, optionally of one status.</summary>
    public async Task<OrderPage> ListAsync(OrderStatus? status, DateTimeOffset from, DateTimeOffset to, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var query = DocumentQuery.All
            .Where("placedAt", FilterOperator.GreaterThanOrEqual, from)
            .Where("placedAt", FilterOperator.LessThanOrEqual, to) with { OrderBy = "placedAt", Descending = true };
        if (status is { } wanted)
            query = query.Where("status", wanted);
        var page = await DailyPartitions.QueryAsync(await IndexAsync(cancellationToken).ConfigureAwait(false), from, to, query, pageSize, continuationToken, DayPrefix, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new OrderPage(page.Items.Select(i => i.Deserialize<OrderSummary>()).ToList(), page.ContinuationToken);
    }

    private Task RecordEventsAsync(Order order, CancellationToken cancellationToken) =>
        outbox.RecordAsync(OrderHistoryEvents.Subject(order.Id), OrderHistoryEvents.Of(order), cancellationToken);

    private OrderSummary Summarize(Order order) => new(order.Id, order.CustomerId, order.Status, order.CancellationReason, order.Total, order.Currency,
        order.Lines.Sum(l => l.Quantity), order.PlacedAt, time.GetUtcNow());

    private async Task IndexAsync(Order order, CancellationToken cancellationToken)
    {
        var index = await IndexAsync(cancellationToken).ConfigureAwait(false);
        var summary = Summarize(order);
        await index.UpsertAsync(CustomerPartition(order.CustomerId), order.Id, summary, cancellationToken).ConfigureAwait(false);
        CustomerOrdersChanged?.Invoke(order.CustomerId);
        await index.UpsertAsync(DailyPartitions.Key(order.PlacedAt, DayPrefix), order.Id, summary, cancellationToken).ConfigureAwait(false);
    }

    private static string CustomerPartition(string customerId) => "customer:" + customerId;
}
