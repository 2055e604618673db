using Commerce.Orders.Orders;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Commerce.Orchestrations.OrderLifecycle;

/// <summary>Starts an order's lifecycle once (the order id is the instance id), and finds orders whose start was lost.</summary>
public static class OrderLifecycleStarter
{
    /// <summary>A placed order without a lifecycle this long after it was stored had its checkout die in between.</summary>
    public static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(2);

    /// <summary>How far back stalled orders are looked for.</summary>
    public static readonly TimeSpan StalledSearchWindow = TimeSpan.FromDays(2);

    /// <summary>An index entry whose order is still not stored this long after it was written belongs to a checkout that died in between.</summary>
    public static readonly TimeSpan UnstoredAfter = TimeSpan.FromHours(1);

    /// <summary>
    /// Starts the order's lifecycle unless it has one, in any state. A lifecycle that finished, failed or was
    /// terminated is never started over: its order may have been paid, and a second run would find the stock
    /// already committed and cancel the order without refunding it.
    /// </summary>
    public static async Task StartAsync(DurableTaskClient orchestrations, Order order, LifecycleTimings timings, CancellationToken cancellationToken = default)
    {
        if (order.IsFinished)
            return;
        try
        {
            await orchestrations.ScheduleNewOrchestrationInstanceAsync(OrderLifecycleOrchestrator.Name,
                new OrderLifecycleInput(order.Id, order.CustomerId, order.Lines, order.Total, order.Currency, order.PaymentMethod, order.PlacedAt, timings, order.Coupon),
                new StartOrchestrationOptions(order.Id)
                {
                    DedupeStatuses = [nameof(OrchestrationRuntimeStatus.Completed), nameof(OrchestrationRuntimeStatus.Failed), nameof(OrchestrationRuntimeStatus.Terminated)],
                }, cancellationToken).ConfigureAwait(false);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Started already: a retried checkout, or a sweep that overlapped one.
        }
    }

    /// <summary>
    /// Starts the lifecycle of every order a checkout stored but did not get to start (the process died in
    /// between and the client never retried), so that no stored order waits forever. Checkout writes the
    /// order's entry in the day's index before the order itself, so every stored order is found here, wherever
    /// its checkout stopped; an entry whose order never came is removed.
    /// </summary>
    /// <returns>how many orders were started.</returns>
    public static async Task<int> ResumeStalledAsync(OrderRepository orders, DurableTaskClient orchestrations, LifecycleTimings timings, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var resumed = 0;
        string? continuationToken = null;
        do
        {
            var page = await orders.ListAsync(OrderStatus.Placed, now - StalledSearchWindow, now - StalledAfter, 100, continuationToken, cancellationToken).ConfigureAwait(false);
            foreach (var summary in page.Orders)
            {
                if (await orchestrations.GetInstanceAsync(summary.Id, cancellationToken).ConfigureAwait(false) is not null)
                    continue;
                var order = await orders.GetAsync(summary.Id, cancellationToken).ConfigureAwait(false);
                if (order is null && summary.UpdatedAt < now - UnstoredAfter)
                    await orders.ForgetUnstoredAsync(summary, cancellationToken).ConfigureAwait(false);
                if (order is not { Status: OrderStatus.Placed })
                    continue;
                await StartAsync(orchestrations, order, timings, cancellationToken).ConfigureAwait(false);
                resumed++;
            }
            continuationToken = page.ContinuationToken;
        }
        while (continuationToken is not null);
        return resumed;
    }
}
