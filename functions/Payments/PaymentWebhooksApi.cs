using Commerce.Durable;
using Commerce.Hosting.Functions;
using Commerce.Orchestrations.OrderLifecycle;
using Commerce.Orders.Orders;
using Commerce.Payments.Channels;
using Commerce.Payments.Routing;
using Commerce.Payments.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Payments;

/// <summary>Payment providers report asynchronous outcomes (bank transfers arriving) here, signed.</summary>
public static class PaymentWebhooksApi
{
    public static FunctionCatalog MapPaymentWebhooksApi(this FunctionCatalog functions)
    {
        functions.AddHttp("PaymentWebhook", "payments/webhooks/{channel}", ["POST"], Receive,
            configure: e => e.WithSummary($"A provider's signed event (PaymentConfirmed or PaymentFailed); header {PaymentWebhooks.SignatureHeader}: t=<unix seconds>,v1=<HMAC-SHA256 hex of \"t.body\">. Bad or missing signatures are 401 and change nothing."));
        return functions;
    }

    public static async Task<Results<Ok<WebhookAnswer>, ProblemHttpResult>> Receive(
        string channel, HttpRequest request, PaymentWebhooks webhooks, PaymentRouter router, OrderRepository orders, DurableTaskClient orchestrations, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var check = await webhooks.CheckAsync(channel, request.Headers[PaymentWebhooks.SignatureHeader].ToString(), buffer.ToArray(), cancellationToken);
        switch (check.Verdict)
        {
            case WebhookVerdict.Unauthorized:
                return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Webhook not authenticated", detail: check.Reason);
            case WebhookVerdict.Malformed:
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Webhook not understood", detail: check.Reason);
            case WebhookVerdict.Duplicate:
                return TypedResults.Ok(new WebhookAnswer(check.Event!.Id, "duplicate"));
        }
        var payment = check.Event!;
        if (await orders.GetAsync(payment.OrderId, cancellationToken) is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown order", detail: $"No order '{payment.OrderId}'.");
        var confirmed = payment.Type == PaymentEvent.Confirmed;
        if (router.Channels.FirstOrDefault(c => c.Name == channel) is SandboxChannel sandbox
            && await sandbox.SettlePendingAsync(payment.AuthorizationId, confirmed, cancellationToken) is { DeclineCode: SandboxChannel.UnknownAuthorization })
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown authorization", detail: $"Channel '{channel}' has no authorization '{payment.AuthorizationId}'.");
        await orchestrations.RaiseEventAsync(payment.OrderId, confirmed ? OrderEvents.PaymentConfirmed : OrderEvents.PaymentFailed,
            new PaymentNotice(payment.Id, payment.Reason), cancellationToken);
        await webhooks.MarkProcessedAsync(channel, payment, cancellationToken);
        return TypedResults.Ok(new WebhookAnswer(payment.Id, "processed"));
    }
}

public sealed record WebhookAnswer(string EventId, string Result);
