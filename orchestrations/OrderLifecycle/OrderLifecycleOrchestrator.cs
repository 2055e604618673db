using Commerce.Durable;
using Commerce.Orchestrations.OrderLifecycle.Activities;
using Commerce.Orders.Orders;
using Microsoft.DurableTask;

namespace Commerce.Orchestrations.OrderLifecycle;

/// <summary>
/// Takes one order from checkout to a final state: validate, reserve stock, check risk, pay (retrying soft
/// declines, waiting for asynchronous confirmations), confirm (capture, then commit stock), fulfil, complete.
/// Any failure after stock is reserved undoes what was done, newest first: refund if captured, void if
/// authorized, put committed stock back or release the reservation, give the coupon use back. A cancel (the
/// customer's, or the shop's: order lifecycles are cancelled, not terminated, so that this undoing happens)
/// takes effect at the next step boundary, whichever step it arrives in, until the order ships. Every activity
/// is idempotent, keyed by order id and step, because the engine runs activities at least once. Activities
/// record the steps they complete on the order themselves (reserved, awaiting payment, paid, fulfilling), so
/// each step costs one round trip through the engine.
/// </summary>
public sealed class OrderLifecycleOrchestrator : TaskOrchestrator<OrderLifecycleInput, OrderLifecycleResult>
{
    public const string Name = "OrderLifecycle";

    /// <summary>Steps before money moves retry through outages (about five minutes in all); a refusal by the payment provider is final.</summary>
    private static readonly TaskOptions Reliable = TaskOptions.FromRetryPolicy(new RetryPolicy(10, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(60))
    {
        HandleFailure = failure => !failure.IsCausedBy<PaymentDeclinedException>(),
    });

    /// <summary>
    /// Steps that must happen once they are due (undoing, committing stock after a capture, recording) retry
    /// through long outages too (about fifteen hours), so that an outage leaves an order late, not half done.
    /// </summary>
    private static readonly TaskOptions Persistent = TaskOptions.FromRetryPolicy(new RetryPolicy(100, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(10)));

    public override async Task<OrderLifecycleResult> RunAsync(TaskOrchestrationContext context, OrderLifecycleInput order)
    {
        var timings = order.Timings;
        var undo = new Stack<(Func<Task> Run, string Step)>();
        var cancelRequested = context.WaitForExternalEvent<CancelNotice>(OrderEvents.CancelRequested);

        Task Record(params OrderStep[] steps) => context.CallActivityAsync<RecordOrderStep, OrderSteps, bool>(new OrderSteps(order.OrderId, steps), Persistent);
        Func<Task> Undo<TActivity, TInput>(TInput input) where TActivity : TaskActivity<TInput, bool> =>
            () => context.CallActivityAsync<TActivity, TInput, bool>(input, Persistent);

        async Task<OrderLifecycleResult> Cancel(string reason, string? detail)
        {
            while (undo.TryPop(out var step))
            {
                await step.Run();
                await Record(new OrderStep(step.Step));
            }
            if (order.Coupon is not null)
                await context.CallActivityAsync<ReturnCoupon, CouponUse, bool>(new CouponUse(order.OrderId, order.Coupon), Persistent);
            await Record(new OrderStep("cancelled", OrderStatus.Cancelled, detail, reason));
            return new OrderLifecycleResult(OrderStatus.Cancelled, reason);
        }

        // A notice that cannot be read (an event raised by hand) cancels as the customer's would.
        Task<OrderLifecycleResult> CancelAsAsked(string when)
        {
            var notice = cancelRequested.IsCompletedSuccessfully ? cancelRequested.Result : null;
            return Cancel(notice?.Reason ?? CancellationReasons.CustomerCancelled, $"cancelled by {(notice?.ByShop == true ? "the shop" : "the customer")} {when}");
        }

        var validation = await context.CallActivityAsync<ValidateOrder, OrderLifecycleInput, ValidationOutcome>(order, Reliable);
        if (!validation.Valid)
            return await Cancel(CancellationReasons.InvalidOrder, validation.Problem);
        if (cancelRequested.IsCompleted)
            return await CancelAsAsked("before payment");

        // The reservation outlives every wait before the stock is committed: payment retries, then the payment deadline.
        var expiresAt = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero) + timings.PaymentRetryTimeout + timings.PaymentDeadline + TimeSpan.FromHours(1);
        var reservation = await context.CallActivityAsync<ReserveStock, ReserveRequest, ReservationOutcome>(new ReserveRequest(order.OrderId, order.Lines, expiresAt), Reliable);
        if (!reservation.Reserved)
            return await Cancel(CancellationReasons.OutOfStock, $"not enough stock of {reservation.ShortSku}");
        undo.Push((Undo<ReleaseStock, string>(order.OrderId), "stock-released"));
        if (cancelRequested.IsCompleted)
            return await CancelAsAsked("before payment");

        var risk = await context.CallActivityAsync<AssessRisk, OrderLifecycleInput, RiskOutcome>(order, Reliable);
        if (!risk.Approved)
            return await Cancel(CancellationReasons.RiskDenied, risk.Reason);
        if (cancelRequested.IsCompleted)
            return await CancelAsAsked("before payment");

        PaymentAuthorization authorization;
        try
        {
            authorization = await AuthorizeAsync(context, order);
        }
        catch (TaskFailedException declined)
        {
            // An attempt whose answer was lost, or whose approval could not be passed on, may still hold money: give it back.
            await context.CallActivityAsync<VoidAbandonedPayments, AbandonedPayments, int>(new AbandonedPayments(order.OrderId, null), Persistent);
            return await Cancel(CancellationReasons.PaymentDeclined, declined.FailureDetails.ErrorMessage);
        }
        var payment = new PaymentReference(order.OrderId, authorization.Channel, authorization.AuthorizationId, order.Total, order.Currency);
        undo.Push((Undo<VoidPayment, PaymentReference>(payment), "payment-voided"));
        if (authorization.Unanswered)
            await context.CallActivityAsync<VoidAbandonedPayments, AbandonedPayments, int>(new AbandonedPayments(order.OrderId, authorization.AuthorizationId), Persistent);
        if (cancelRequested.IsCompleted)
            return await CancelAsAsked("before payment");

        if (authorization.Pending)
        {
            using var stopWaiting = new CancellationTokenSource();
            var confirmed = context.WaitForExternalEvent<PaymentNotice>(OrderEvents.PaymentConfirmed, stopWaiting.Token);
            var failed = context.WaitForExternalEvent<PaymentNotice>(OrderEvents.PaymentFailed, stopWaiting.Token);
            var deadline = context.CreateTimer(timings.PaymentDeadline, stopWaiting.Token);
            var first = await Task.WhenAny(confirmed, failed, cancelRequested, deadline);
            stopWaiting.Cancel();
            if (first == deadline)
                return await Cancel(CancellationReasons.PaymentTimeout, $"no payment within {timings.PaymentDeadline}");
            if (first == cancelRequested)
                return await CancelAsAsked("before payment");
            if (first == failed)
                return await Cancel(CancellationReasons.PaymentDeclined, (await failed).Reason);
            await Record(new OrderStep("payment-confirmed", Detail: (await confirmed).EventId));
        }

        try
        {
            await context.CallActivityAsync<CapturePayment, PaymentReference, bool>(payment, Reliable);
        }
        catch (TaskFailedException failure)
        {
            return await Cancel(CancellationReasons.PaymentDeclined, $"capture failed: {failure.FailureDetails.ErrorMessage}");
        }
        undo.Clear();
        if (!await context.CallActivityAsync<CommitStock, string, bool>(order.OrderId, Persistent))
        {
            undo.Push((Undo<RefundPayment, PaymentReference>(payment), "payment-refunded"));
            return await Cancel(CancellationReasons.OutOfStock, "the stock reservation lapsed before the payment came through and the stock has run out since");
        }
        undo.Push((Undo<RestockOrder, string>(order.OrderId), "stock-returned"));
        undo.Push((Undo<RefundPayment, PaymentReference>(payment), "payment-refunded"));

        await context.CallActivityAsync<CreateShipment, string, string>(order.OrderId, Persistent);
        if (timings.AutoFulfilment)
        {
            if (cancelRequested.IsCompleted)
                return await CancelAsAsked("before shipment");
        }
        else
        {
            using var stopWaiting = new CancellationTokenSource();
            var shipment = context.WaitForExternalEvent<string?>(OrderEvents.Shipped, stopWaiting.Token);
            var overdue = context.CreateTimer(timings.ShipmentDeadline, stopWaiting.Token);
            var first = await Task.WhenAny(shipment, cancelRequested, overdue);
            if (first == overdue)
            {
                await Record(new OrderStep("shipment-overdue", Detail: $"not shipped within {timings.ShipmentDeadline}"));
                first = await Task.WhenAny(shipment, cancelRequested);
            }
            stopWaiting.Cancel();
            if (first == cancelRequested)
                return await CancelAsAsked("before shipment");
        }
        undo.Clear();
        var shipped = new OrderStep(Order.ShippedStep, OrderStatus.Shipped);
        var delivered = new OrderStep(Order.DeliveredStep);
        var completed = new OrderStep("completed", OrderStatus.Completed);
        if (timings.AutoFulfilment)
        {
            await Record(shipped, delivered, completed);
            return new OrderLifecycleResult(OrderStatus.Completed, null);
        }

        await Record(shipped);
        try
        {
            await context.WaitForExternalEvent<string?>(OrderEvents.Delivered, timings.DeliveryDeadline);
            await Record(delivered, completed);
        }
        catch (TaskCanceledException)
        {
            await Record(new OrderStep("delivery-assumed", Detail: $"no delivery report within {timings.DeliveryDeadline}"), delivered, completed);
        }
        return new OrderLifecycleResult(OrderStatus.Completed, null);
    }

    /// <summary>
    /// Authorize attempts until one goes through: soft declines and unavailable channels are tried again after a
    /// growing wait (first retry, backoff, cap), up to the attempt limit, and no attempt starts later than the retry
    /// timeout after the first, so the stock reservation outlasts them; a hard decline ends at once. Each attempt has
    /// its number in its input, which gives it its own idempotency key at the provider (a retry policy would send one
    /// input every time), and each wait is spread by the jitter so that orders declined together do not retry together.
    /// </summary>
    private static async Task<PaymentAuthorization> AuthorizeAsync(TaskOrchestrationContext context, OrderLifecycleInput order)
    {
        var timings = order.Timings;
        var firstAttemptAt = context.CurrentUtcDateTime;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await context.CallActivityAsync<AuthorizePayment, PaymentRequest, PaymentAuthorization>(
                    new PaymentRequest(order.OrderId, order.CustomerId, order.Total, order.Currency, order.PaymentMethod, attempt));
            }
            catch (TaskFailedException failure) when (attempt < timings.PaymentAttempts && failure.FailureDetails.IsCausedBy<PaymentRetryableException>())
            {
                var delay = Math.Min(timings.FirstPaymentRetry.TotalMilliseconds * Math.Pow(timings.PaymentBackoff, attempt - 1), timings.MaxPaymentRetry.TotalMilliseconds);
                var nextAt = context.CurrentUtcDateTime.AddMilliseconds(Jittered(delay, timings.PaymentJitter, $"{context.InstanceId}#{attempt}"));
                if (nextAt > firstAttemptAt + timings.PaymentRetryTimeout)
                    throw;
                await context.CreateTimer(nextAt, CancellationToken.None);
            }
        }
    }

    /// <summary>The delay spread by up to <paramref name="jitter"/> either way, by a fraction derived from <paramref name="seed"/> so that every replay computes the same.</summary>
    private static double Jittered(double delayMs, double jitter, string seed)
    {
        if (jitter <= 0)
            return delayMs;
        // FNV-1a: a fraction in [-1, 1).
        var hash = 2166136261u;
        foreach (var c in seed)
            hash = (hash ^ c) * 16777619u;
        var fraction = (hash / (double)uint.MaxValue * 2) - 1;
        return Math.Max(0, delayMs * (1 + (Math.Min(jitter, 1) * fraction)));
    }
}
