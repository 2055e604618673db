using Commerce.Catalog.Customers;
using Commerce.Orders.Orders;
using Commerce.Payments.Attempts;
using Commerce.Payments.Channels;
using Commerce.Payments.Routing;
using Microsoft.DurableTask;

namespace Commerce.Orchestrations.OrderLifecycle.Activities;

/// <summary>
/// One authorization attempt through the router (with failover between channels). Each attempt has its
/// own idempotency key (the order id and the attempt number the orchestration gives it), so a repeated
/// activity asks the provider the same question and gets the same answer. Soft declines and outages end in <see cref="PaymentRetryableException"/>
/// for the orchestration's retry policy; hard declines in <see cref="PaymentDeclinedException"/>.
/// </summary>
public sealed class AuthorizePayment(PaymentRouter router, OrderRepository orders, CustomerService customers, TimeProvider time) : TaskActivity<PaymentRequest, PaymentAuthorization>
{
    public override async Task<PaymentAuthorization> RunAsync(TaskActivityContext context, PaymentRequest request)
    {
        decimal? creditLimit = null;
        int? netDays = null;
        if (request.PaymentMethod == PaymentMethods.NetTerms && (await customers.GetAsync(request.CustomerId))?.Customer is { } customer
            && customer.CreditCurrency == request.Currency)
            (creditLimit, netDays) = (customer.CreditLimit, customer.PaymentTermsDays);
        RoutedResult routed;
        try
        {
            routed = await router.AuthorizeAsync(new AuthorizeRequest($"{request.OrderId}:authorize:{request.Attempt}", request.OrderId, request.CustomerId,
                request.Amount, request.Currency, request.PaymentMethod, creditLimit, netDays));
        }
        catch (PaymentChannelTimeoutException timeout)
        {
            await orders.UpdateAsync(request.OrderId, order => order.WithPayments(timeout.Attempts.Select(PaymentRecords.ToOrderPayment)));
            throw new PaymentRetryableException(timeout.Message);
        }

        var result = routed.Result;
        var invoice = result.Invoice is { } i ? new Orders.Orders.Invoice(i.Id, i.Amount, i.Currency, i.IssuedAt, i.DueAt) : null;
        var updated = await orders.UpdateAsync(request.OrderId, order =>
        {
            var updated = order.WithStep("awaiting-payment", time.GetUtcNow(), OrderStatus.AwaitingPayment).WithPayments(routed.Attempts.Select(PaymentRecords.ToOrderPayment));
            return invoice is not null && order.Invoice is null ? updated with { Invoice = invoice } : updated;
        });

        var unanswered = PaymentRecords.HasUnansweredCalls(updated);
        return result.Outcome switch
        {
            ChannelOutcome.Approved => new PaymentAuthorization(routed.Channel!, result.AuthorizationId!, false, invoice, unanswered),
            ChannelOutcome.Pending => new PaymentAuthorization(routed.Channel!, result.AuthorizationId!, true, null, unanswered),
            ChannelOutcome.Declined when !DeclineCodes.IsRetryable(result.DeclineCode) => throw new PaymentDeclinedException(result.DeclineCode ?? "declined"),
            _ => throw new PaymentRetryableException(result.DeclineCode ?? "payment channels unavailable"),
        };
    }
}

public sealed class CapturePayment(PaymentRouter router, OrderRepository orders) : TaskActivity<PaymentReference, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, PaymentReference payment)
    {
        var routed = await router.CaptureAsync(payment.Channel, payment.OrderId, payment.AuthorizationId, payment.Amount, payment.Currency, $"{payment.OrderId}:capture");
        await PaymentRecords.AppendAsync(orders, payment.OrderId, routed);
        return routed.Result.Outcome == ChannelOutcome.Approved ? true : throw new PaymentDeclinedException($"capture refused: {routed.Result.DeclineCode}");
    }
}

/// <summary>
/// Gives up an authorization; one that is already void, failed or unknown needs nothing more. One that was
/// captured after all (the capture went through but its answer was lost) is refunded instead.
/// </summary>
public sealed class VoidPayment(PaymentRouter router, OrderRepository orders) : TaskActivity<PaymentReference, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, PaymentReference payment)
    {
        var routed = await router.VoidAsync(payment.Channel, payment.OrderId, payment.AuthorizationId, payment.Amount, payment.Currency, $"{payment.OrderId}:void");
        await PaymentRecords.AppendAsync(orders, payment.OrderId, routed);
        if (routed.Result.Outcome == ChannelOutcome.Approved)
            return true;
        if (await router.Channel(payment.Channel).GetStatusAsync(payment.AuthorizationId) is { State: PaymentState.Captured })
            return await RefundPayment.RefundAsync(router, orders, payment);
        return false;
    }
}

/// <summary>
/// Voids what the order's authorize calls left standing (answers lost, approvals the order could not go on
/// with), except the authorization the order goes on with; recorded on the order when there was something to void.
/// </summary>
public sealed class VoidAbandonedPayments(PaymentRouter router, OrderRepository orders, TimeProvider time) : TaskActivity<AbandonedPayments, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, AbandonedPayments request)
    {
        var voids = await router.VoidAbandonedAsync(request.OrderId, request.Keep);
        if (voids.Count > 0)
            await orders.UpdateAsync(request.OrderId, order => order.WithPayments(voids.Select(PaymentRecords.ToOrderPayment))
                .WithStep("abandoned-payments-voided", time.GetUtcNow(), detail: $"{voids.Count} authorization(s) the order did not go on with"));
        return voids.Count;
    }
}

/// <summary>Pays a captured amount back.</summary>
public sealed class RefundPayment(PaymentRouter router, OrderRepository orders) : TaskActivity<PaymentReference, bool>
{
    public override Task<bool> RunAsync(TaskActivityContext context, PaymentReference payment) =>
        RefundAsync(router, orders, payment);

    /// <summary>The order's one refund (keyed by order id), recorded on the order.</summary>
    public static async Task<bool> RefundAsync(PaymentRouter router, OrderRepository orders, PaymentReference payment)
    {
        var routed = await router.RefundAsync(payment.Channel, payment.OrderId, payment.AuthorizationId, payment.Amount, payment.Currency, $"{payment.OrderId}:refund");
        await PaymentRecords.AppendAsync(orders, payment.OrderId, routed);
        return routed.Result.Outcome == ChannelOutcome.Approved ? true : throw new InvalidOperationException($"refund refused: {routed.Result.DeclineCode}");
    }
}

internal static class PaymentRecords
{
    public static OrderPayment ToOrderPayment(PaymentAttempt attempt) =>
        new(attempt.Id, attempt.At, attempt.Channel, attempt.Operation, attempt.Outcome.ToString(), attempt.DeclineCode, attempt.Amount, attempt.LatencyMs, attempt.AuthorizationId);

    public static bool HasUnansweredCalls(Order order) =>
        order.Payments.Any(p => p is { Operation: "authorize", DeclineCode: PaymentRouter.Unanswered });

    public static Task AppendAsync(OrderRepository orders, string orderId, RoutedResult routed) =>
        orders.UpdateAsync(orderId, order => order.WithPayments(routed.Attempts.Select(ToOrderPayment)));
}
