using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Commerce.Events.Relay;
using Commerce.Storage.Documents;
using Commerce.Storage.Queues;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace Commerce.Events.Webhooks;

public enum DeliveryStatus
{
    Pending,
    Delivered,
    DeadLettered,
}

/// <param name="StatusCode">the partner's answer; null when none came (refused address, timeout, connection error).</param>
public sealed record WebhookAttempt(DateTimeOffset At, int? StatusCode, string? Error, double DurationMs);

/// <summary>
/// One event for one subscription, and the log of trying to deliver it. <see cref="Id"/> is the event id, sent as
/// webhook-id on every attempt, so a partner recognises a repeat.
/// </summary>
/// <param name="WindowStartedAt">when the current round of retries began (creation, or the last redeliver).</param>
public sealed record WebhookDelivery(
    string Id, string SubscriptionId, string EventType, string Payload, DateTimeOffset CreatedAt, DateTimeOffset WindowStartedAt,
    DeliveryStatus Status, DateTimeOffset? NextAttemptAt, IReadOnlyList<WebhookAttempt> Attempts);

/// <summary>A delivery that is due: the message on the webhook-deliveries queue.</summary>
public sealed record WebhookDeliveryDue(string SubscriptionId, string DeliveryId);

/// <param name="AllowPrivateNetworks">deliver to loopback and private addresses (Development only).</param>
/// <param name="Timeout">longest wait for a partner's answer.</param>
/// <param name="FirstRetry">the wait after the first failure; each further wait doubles, up to <paramref name="MaxRetryInterval"/>.</param>
/// <param name="RetryWindow">how long after the first attempt retries go on before the delivery is dead-lettered.</param>
public sealed record WebhookOptions(bool AllowPrivateNetworks, TimeSpan Timeout, TimeSpan FirstRetry, TimeSpan MaxRetryInterval, TimeSpan RetryWindow)
{
    public static WebhookOptions Default(bool allowPrivateNetworks) =>
        new(allowPrivateNetworks, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), TimeSpan.FromHours(2), TimeSpan.FromHours(24));

    /// <summary>The wait after the <paramref name="failures"/>th failed attempt in a row.</summary>
    public TimeSpan RetryAfter(int failures) =>
        TimeSpan.FromTicks((long)Math.Min(MaxRetryInterval.Ticks, FirstRetry.Ticks * Math.Pow(2, Math.Max(0, failures - 1))));
}

/// <summary>
/// Partner webhooks: the outbox consumer's end (one delivery per event and subscription that wants it, queued),
/// the attempt (a signed POST; on failure the next one is queued with exponential backoff until the retry window
/// closes, then the delivery is dead-lettered), the delivery log and redelivery. Checkout never waits for any of
/// it: deliveries start from the outbox, after the order's change is committed.
/// </summary>
public sealed class WebhookDeliveries(
    WebhookSubscriptions subscriptions,
    IDocumentStore documents,
    IQueueStore queues,
    PartnerAddresses addresses,
    WebhookOptions options,
    TimeProvider time,
    ILogger<WebhookDeliveries> logger) : IIntegrationEventPublisher, IDisposable
{
    public const string Container = "webhook-deliveries";
    public const string Queue = "webhook-deliveries";

    private readonly HttpClient _http = new(addresses.CreateHandler()) { Timeout = Timeout.InfiniteTimeSpan };
    private IDocumentContainer? _container;

    private async Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) =>
        _container ??= await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);

    /// <summary>Makes (once) a delivery per message and subscription that wants its type, and queues it.</summary>
    public async Task PublishAsync(IReadOnlyList<IntegrationMessage> messages, CancellationToken cancellationToken = default)
    {
        var all = await subscriptions.ListAsync(cancellationToken).ConfigureAwait(false);
        if (all.Count == 0)
            return;
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var queue = await queues.GetQueueAsync(Queue, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        foreach (var message in messages)
        {
            var type = message.Type[IntegrationEventFormat.TypePrefix.Length..];
            foreach (var subscription in all.Where(s => s.Wants(type)))
            {
                var delivery = new WebhookDelivery(message.Id, subscription.Id, type, Encoding.UTF8.GetString(message.Body.Span), now, now,
                    DeliveryStatus.Pending, now, []);
                try
                {
                    await container.CreateAsync(subscription.Id, delivery.Id, delivery, cancellationToken).ConfigureAwait(false);
                }
                catch (DocumentConflictException)
                {
                    // Made by a run that stopped before queueing it, or made and already tried: queue only the former.
                    var existing = await container.ReadAsync<WebhookDelivery>(subscription.Id, delivery.Id, cancellationToken).ConfigureAwait(false);
                    if (existing is not { Value: { Status: DeliveryStatus.Pending, Attempts.Count: 0 } })
                        continue;
                }
                await queue.EnqueueAsync(Serialize(new WebhookDeliveryDue(subscription.Id, delivery.Id)), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Tries a due delivery once; on failure queues the next try, or dead-letters it when the window has closed.</summary>
    public async Task<WebhookDelivery?> AttemptAsync(WebhookDeliveryDue due, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var found = await container.ReadAsync<WebhookDelivery>(due.SubscriptionId, due.DeliveryId, cancellationToken).ConfigureAwait(false);
        // A message for an attempt that is not due was overtaken (a redeliver queued its own); the due one follows.
        // The tolerance covers clocks of instances that differ a little.
        if (found is not { Value.Status: DeliveryStatus.Pending } || found.Value.Value.NextAttemptAt > time.GetUtcNow() + TimeSpan.FromSeconds(2))
            return found?.Value;
        var (delivery, etag) = found.Value;
        var subscription = await subscriptions.GetAsync(due.SubscriptionId, cancellationToken).ConfigureAwait(false);
        WebhookDelivery next;
        if (subscription is null)
        {
            next = delivery with { Status = DeliveryStatus.DeadLettered, NextAttemptAt = null };
        }
        else
        {
            var attempt = await SendAsync(subscription, delivery, cancellationToken).ConfigureAwait(false);
            var attempts = delivery.Attempts.Append(attempt).ToList();
            if (attempt.StatusCode is >= 200 and < 300)
            {
                next = delivery with { Status = DeliveryStatus.Delivered, NextAttemptAt = null, Attempts = attempts };
            }
            else
            {
                var failures = attempts.Count(a => a.At >= delivery.WindowStartedAt);
                var at = attempt.At + options.RetryAfter(failures);
                next = at - delivery.WindowStartedAt > options.RetryWindow
                    ? delivery with { Status = DeliveryStatus.DeadLettered, NextAttemptAt = null, Attempts = attempts }
                    : delivery with { NextAttemptAt = at, Attempts = attempts };
            }
        }
        try
        {
            await container.ReplaceAsync(due.SubscriptionId, delivery.Id, next, etag, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentPreconditionFailedException)
        {
            // Redelivered meanwhile: that change queued its own attempt.
            return next;
        }
        if (next is { Status: DeliveryStatus.Pending, NextAttemptAt: { } nextAt })
            await EnqueueAsync(due, nextAt - time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        else if (next.Status == DeliveryStatus.DeadLettered)
            logger.LogWarning("Webhook delivery {Delivery} to subscription {Subscription} dead-lettered after {Attempts} attempts", next.Id, next.SubscriptionId, next.Attempts.Count);
        return next;
    }

    /// <summary>Starts a fresh retry window for a delivery (dead-lettered, or delivered and lost by the partner) and queues it now.</summary>
    /// <returns>null when there is no such delivery.</returns>
    public async Task<WebhookDelivery?> RedeliverAsync(string subscriptionId, string deliveryId, CancellationToken cancellationToken = default)
    {
        if (!DocumentRules.IsValidKey(subscriptionId) || !DocumentRules.IsValidKey(deliveryId))
            return null;
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var changed = await container.ChangeAsync<WebhookDelivery>(subscriptionId, deliveryId, current =>
            current is null ? null : current with { Status = DeliveryStatus.Pending, WindowStartedAt = now, NextAttemptAt = now }, cancellationToken).ConfigureAwait(false);
        if (changed is not null)
            await EnqueueAsync(new WebhookDeliveryDue(subscriptionId, deliveryId), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        return changed;
    }

    /// <summary>A subscription's deliveries, newest first.</summary>
    public async Task<IReadOnlyList<WebhookDelivery>> LogAsync(string subscriptionId, int max, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var page = await container.QueryAsync(subscriptionId, DocumentQuery.All with { OrderBy = "createdAt", Descending = true, PageSize = max }, cancellationToken).ConfigureAwait(false);
        return [.. page.Items.Select(d => d.Deserialize<WebhookDelivery>())];
    }

    private async Task<WebhookAttempt> SendAsync(WebhookSubscription subscription, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        var started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/cloudevents+json"),
        };
        request.Headers.Add("webhook-id", delivery.Id);
        request.Headers.Add("webhook-timestamp", at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", new StandardWebhook(subscription.Secret).Sign(delivery.Id, at, delivery.Payload));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return new WebhookAttempt(at, (int)response.StatusCode, null, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var error = e is OperationCanceledException ? $"no answer within {options.Timeout}" : e.Message;
            return new WebhookAttempt(at, null, error, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private async Task EnqueueAsync(WebhookDeliveryDue due, TimeSpan delay, CancellationToken cancellationToken)
    {
        var queue = await queues.GetQueueAsync(Queue, cancellationToken).ConfigureAwait(false);
        await queue.EnqueueAsync(Serialize(due), delay > TimeSpan.Zero ? delay : null, cancellationToken).ConfigureAwait(false);
    }

    private static string Serialize(WebhookDeliveryDue due) => JsonSerializer.Serialize(due, DocumentJson.Options);

    public void Dispose() => _http.Dispose();
}
