using Commerce.Hosting.Functions;
using Commerce.Orchestrations.OrderLifecycle;
using Commerce.Orders.Orders;
using Commerce.Payments.Channels;
using Commerce.Payments.Routing;
using Commerce.Payments.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;

namespace Commerce.Functions.Payments;

/// <summary>Payment providers report asynchronous outcomes (bank transfers arriving) here, signed.</summary>
public static class PaymentWebhooksApi
{
    public static FunctionCatalog MapPaymentWebhooksApi(this FunctionCatalog functions)
    {
        functions.AddHttp("PaymentWebhook", "payments/webhooks/{channel}", ["POST"], Receive,
            configure: e => e.WithSummary($"A provider's signed event (PaymentConfirmed or PaymentFailed); header {PaymentWebhooks.SignatureHeader}: t=<unix seconds>,v1=<HMAC-SHA256 hex of \"t.body\">. "
                + "Bad or missing signatures are 401, and an event that does not name one of its order's authorizations with the order's total and currency is 422; both change nothing. "
                + "An event id is acted on once; a delivery while another is acting on it is 409 with Retry-After."));
        return functions;
    }

    public static async Task<Results<Ok<WebhookAnswer>, ProblemHttpResult>> Receive(
        string channel, HttpRequest request, PaymentWebhooks webhooks, PaymentRouter router, OrderRepository orders, DurableTaskClient orchestrations, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var check = webhooks.Verify(channel, request.Headers[PaymentWebhooks.SignatureHeader].ToString(), buffer.ToArray());
        switch (check.Verdict)
        {
            case WebhookVerdict.Unauthorized:
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Webhook not authenticated", detail: check.Reason);
            case WebhookVerdict.Malformed:
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Webhook not understood", detail: check.Reason);
        }
        var payment = check.Event!;
        if (await orders.GetAsync(payment.OrderId, cancellationToken) is not { } order)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown order", detail: $"No order '{payment.OrderId}'.");
        var authorizations = order.Payments.Where(p => p is { Operation: "authorize", AuthorizationId: not null } && p.Channel == channel).Select(p => p.AuthorizationId!).ToHashSet(StringComparer.Ordinal);
        if (PaymentWebhooks.Mismatches(payment, new PaymentExpectation(order.Id, authorizations, order.Total, order.Currency)) is { Count: > 0 } mismatches)
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Webhook does not match its order",
                detail: $"The event must name an authorization of order '{order.Id}' on '{channel}', for the order's total and currency.",
                extensions: new Dictionary<string, object?> { ["errors"] = mismatches });

        var claim = await webhooks.ClaimAsync(channel, payment, cancellationToken);
        switch (claim.Outcome)
        {
            case ClaimOutcome.Processed:
                return TypedResults.Ok(new WebhookAnswer(payment.Id, "duplicate"));
            case ClaimOutcome.InProgress:
                request.HttpContext.Response.Headers.RetryAfter = "5";
                return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Event being processed",
                    detail: $"Another delivery of event '{payment.Id}' is being acted on; retry later.");
        }
        // Once claimed, acting runs to its end even if the provider goes away; a failure frees the claim for its next delivery.
        try
        {
            var confirmed = payment.Type == PaymentEvent.Confirmed;
            if (router.Channel(channel) is SandboxChannel sandbox)
                await sandbox.SettlePendingAsync(payment.AuthorizationId, confirmed, CancellationToken.None);
            await orchestrations.RaiseEventAsync(payment.OrderId, confirmed ? OrderEvents.PaymentConfirmed : OrderEvents.PaymentFailed,
                new PaymentNotice(payment.Id, payment.Reason), CancellationToken.None);
            await webhooks.CompleteAsync(channel, payment, claim.ETag!, CancellationToken.None);
        }
        catch
        {
            await webhooks.ReleaseAsync(channel, payment, claim.ETag!, CancellationToken.None);
            throw;
        }
        return TypedResults.Ok(new WebhookAnswer(payment.Id, "processed"));
    }
}

public sealed record WebhookAnswer(string EventId, string Result);
