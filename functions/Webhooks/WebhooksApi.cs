using System.Net.Sockets;
using Commerce.Events.Webhooks;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Webhooks;

/// <summary>Partner webhook subscriptions for admins: what is sent where, the delivery log, and redelivery.</summary>
public static class WebhooksApi
{
    public static FunctionCatalog MapWebhooksApi(this FunctionCatalog functions)
    {
        functions.AddHttp("CreateWebhookSubscription", "webhook-subscriptions", ["POST"], Create,
            configure: e => e.RequireAdmin().WithSummary("Subscribes a partner URL to event types (or \"*\"); deliveries are signed as Standard Webhooks with the secret, which is answered only here."));
        functions.AddHttp("ListWebhookSubscriptions", "webhook-subscriptions", ["GET"], List,
            configure: e => e.RequireAdmin().WithSummary("Every subscription, without secrets."));
        functions.AddHttp("GetWebhookSubscription", "webhook-subscriptions/{id}", ["GET"], Get,
            configure: e => e.RequireAdmin().WithSummary("One subscription, without its secret."));
        functions.AddHttp("DeleteWebhookSubscription", "webhook-subscriptions/{id}", ["DELETE"], Delete,
            configure: e => e.RequireAdmin().WithSummary("Ends a subscription; its pending deliveries are dead-lettered."));
        functions.AddHttp("ListWebhookDeliveries", "webhook-subscriptions/{id}/deliveries", ["GET"], Deliveries,
            configure: e => e.RequireAdmin().WithSummary("The subscription's deliveries, newest first, each with its attempts (time, status code or error, duration)."));
        functions.AddHttp("RedeliverWebhook", "webhook-subscriptions/{id}/deliveries/{deliveryId}/redeliver", ["POST"], Redeliver,
            configure: e => e.RequireAdmin().WithSummary("Sends a delivery again now, with a fresh 24-hour retry window (a dead-lettered one, or one the partner lost)."));
        return functions;
    }

    public static async Task<Results<Created<WebhookSubscriptionCreated>, ValidationProblem>> Create(
        CreateWebhookSubscriptionRequest request, WebhookSubscriptions subscriptions, PartnerAddresses addresses, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (await CheckUrlAsync(request.Url, addresses, cancellationToken) is { } urlError)
            errors["url"] = [urlError];
        if (request.EventTypes is not { Length: > 0 and <= 20 } types || types.Any(t => t is null || !WebhookSubscriptions.KnownTypes.Contains(t)))
            errors["eventTypes"] = [$"must list 1-20 of: {string.Join(", ", WebhookSubscriptions.KnownTypes)}"];
        if (request.Secret is not null && !WebhookSubscriptions.IsValidSecret(request.Secret))
            errors["secret"] = ["must be whsec_ followed by base64 of 24 to 64 bytes (leave it out to have one made)"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        var subscription = new WebhookSubscription("wh-" + Guid.NewGuid().ToString("N"), new Uri(request.Url!), [.. request.EventTypes!.Distinct()],
            request.Secret ?? WebhookSubscriptions.NewSecret(), time.GetUtcNow());
        await subscriptions.AddAsync(subscription, cancellationToken);
        return TypedResults.Created($"/api/webhook-subscriptions/{subscription.Id}",
            new WebhookSubscriptionCreated(subscription.Id, subscription.Url, subscription.EventTypes, subscription.Secret, subscription.CreatedAt));
    }

    public static async Task<Ok<IReadOnlyList<WebhookSubscriptionView>>> List(WebhookSubscriptions subscriptions, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<WebhookSubscriptionView>>([.. (await subscriptions.ListAsync(cancellationToken)).Select(WebhookSubscriptionView.Of)]);

    public static async Task<Results<Ok<WebhookSubscriptionView>, NotFound>> Get(string id, WebhookSubscriptions subscriptions, CancellationToken cancellationToken) =>
        await subscriptions.GetAsync(id, cancellationToken) is { } found ? TypedResults.Ok(WebhookSubscriptionView.Of(found)) : TypedResults.NotFound();

    public static async Task<Results<NoContent, NotFound>> Delete(string id, WebhookSubscriptions subscriptions, CancellationToken cancellationToken) =>
        await subscriptions.RemoveAsync(id, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static async Task<Results<Ok<IReadOnlyList<WebhookDelivery>>, NotFound>> Deliveries(
        string id, WebhookSubscriptions subscriptions, WebhookDeliveries deliveries, CancellationToken cancellationToken)
    {
        if (await subscriptions.GetAsync(id, cancellationToken) is null)
            return TypedResults.NotFound();
        return TypedResults.Ok(await deliveries.LogAsync(id, 100, cancellationToken));
    }

    public static async Task<Results<Accepted<WebhookDelivery>, NotFound>> Redeliver(
        string id, string deliveryId, WebhookSubscriptions subscriptions, WebhookDeliveries deliveries, CancellationToken cancellationToken)
    {
        if (await subscriptions.GetAsync(id, cancellationToken) is null)
            return TypedResults.NotFound();
        return await deliveries.RedeliverAsync(id, deliveryId, cancellationToken) is { } delivery
            ? TypedResults.Accepted($"/api/webhook-subscriptions/{id}/deliveries", delivery)
            : TypedResults.NotFound();
    }

    /// <returns>why the URL cannot be a webhook endpoint, or null.</returns>
    private static async Task<string?> CheckUrlAsync(string? url, PartnerAddresses addresses, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || url.Length > 2000 || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return "must be an absolute http(s) URL of at most 2000 characters";
        if (uri.Scheme != Uri.UriSchemeHttps && !addresses.AllowPrivate)
            return "must be https";
        if (uri.UserInfo.Length > 0)
            return "must not carry credentials; the signature authenticates deliveries";
        try
        {
            var (_, refused) = await addresses.ResolveAsync(uri.DnsSafeHost, cancellationToken);
            return refused.Count > 0 ? $"resolves to {string.Join(", ", refused)}: private and loopback addresses are refused" : null;
        }
        catch (SocketException)
        {
            return $"{uri.Host} does not resolve";
        }
    }
}

/// <param name="Url">where deliveries are POSTed: https, a public address.</param>
/// <param name="EventTypes">system event types (order_placed, order_paid, order_cancelled, order_completed, order_refunded, payment_attempted, stock_out) or "*".</param>
/// <param name="Secret">whsec_ + base64 key; one is made when left out.</param>
public sealed record CreateWebhookSubscriptionRequest(string? Url, string[]? EventTypes, string? Secret);

/// <summary>A new subscription, with the secret the partner verifies signatures with (not shown again).</summary>
public sealed record WebhookSubscriptionCreated(string Id, Uri Url, IReadOnlyList<string> EventTypes, string Secret, DateTimeOffset CreatedAt);
