using Commerce.Catalog.Customers;
using Commerce.Storage.Documents;
using Commerce.Storage.Queues;
using Microsoft.Extensions.Logging;

namespace Commerce.Retention.Notifications;

/// <summary>What the delivery queue carries: which notification of which customer to deliver.</summary>
public sealed record DeliverNotification(string CustomerId, string NotificationId);

/// <summary>
/// The one way a message reaches a customer. A request is stored once under its key's id (asking again finds it),
/// with a copy per channel that is sent, held until quiet hours end, or suppressed with the reason: the channel
/// was opted out of, the customer has no address for it, or the customer's marketing cap for the week is full
/// (one slot per message, whatever its channels). Transactional messages skip the cap and quiet hours. Storing
/// and sending are separate steps: the delivery queue sends, and a sweep re-queues anything a crash left pending.
/// </summary>
public sealed class NotificationOutbox(
    NotificationStore store,
    CustomerService customers,
    IQueueStore queues,
    NotificationSettings settings,
    TimeProvider time,
    ILogger<NotificationOutbox> logger)
{
    public const string Queue = "notifications";

    public async Task<Notification> SendAsync(NotificationRequest request, CancellationToken cancellationToken = default)
    {
        var id = NotificationStore.IdOf(request.Key);
        if (await store.GetAsync(request.CustomerId, id, cancellationToken).ConfigureAwait(false) is { } existing)
            return await EnsureQueuedAsync(existing, cancellationToken).ConfigureAwait(false);

        var now = time.GetUtcNow();
        var preferences = await store.PreferencesAsync(request.CustomerId, cancellationToken).ConfigureAwait(false);
        var customer = (await customers.GetAsync(request.CustomerId, cancellationToken).ConfigureAwait(false))?.Customer;
        var marketing = request.Category == NotificationCategory.Marketing;
        var due = marketing ? settings.ReleaseAt(now, Zone(preferences), id) : now;
        var channels = request.Channels.Distinct().ToList();
        var capped = false;
        if (marketing && channels.Any(c => !preferences.OptedOut.Contains(c)))
            capped = !await store.TakeMarketingSlotAsync(request.CustomerId, id, now, settings.MaxMarketingPerWeek, NotificationSettings.CapWindow, cancellationToken).ConfigureAwait(false);

        Delivery DeliveryOn(NotificationChannel channel)
        {
            string? reason = null;
            if (marketing && preferences.OptedOut.Contains(channel))
                reason = "opted out";
            else if (Address(channel, customer, preferences) is null)
                reason = channel == NotificationChannel.Email ? "no email address" : "no phone number";
            else if (capped)
                reason = $"marketing cap: {settings.MaxMarketingPerWeek} messages in 7 days";
            return reason is null ? new Delivery(channel, DeliveryStatus.Pending, due) : new Delivery(channel, DeliveryStatus.Suppressed, due) { Reason = reason };
        }

        var notification = new Notification
        {
            Id = id,
            Key = request.Key,
            CustomerId = request.CustomerId,
            Category = request.Category,
            Topic = request.Topic,
            Content = request.Content,
            CampaignId = request.CampaignId,
            CreatedAt = now,
            Deliveries = channels.Select(DeliveryOn).ToList(),
        };
        try
        {
            if (notification.IsPending)
                await store.MarkPendingAsync(notification, cancellationToken).ConfigureAwait(false);
            await (await store.NotificationsAsync(cancellationToken).ConfigureAwait(false)).CreateAsync(request.CustomerId, id, notification, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException)
        {
            // The same message was asked for at the same moment elsewhere: that one is the message.
            return (await store.GetAsync(request.CustomerId, id, cancellationToken).ConfigureAwait(false))!;
        }
        logger.LogInformation("Notification {Id} ({Topic}) for {Customer}: {Deliveries}", id, request.Topic, request.CustomerId,
            string.Join(", ", notification.Deliveries.Select(d => $"{d.Channel} {d.Status}{(d.Reason is null ? "" : " (" + d.Reason + ")")}")));
        return await EnsureQueuedAsync(notification, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Notification> EnsureQueuedAsync(Notification notification, CancellationToken cancellationToken)
    {
        if (notification.IsPending)
            await QueueAsync(notification.CustomerId, notification.Id, notification.Deliveries.Where(d => d.Status == DeliveryStatus.Pending).Min(d => d.DueAt), cancellationToken).ConfigureAwait(false);
        return notification;
    }

    public async Task QueueAsync(string customerId, string notificationId, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var delay = dueAt - time.GetUtcNow();
        var queue = await queues.GetQueueAsync(Queue, cancellationToken).ConfigureAwait(false);
        await queue.EnqueueAsync(System.Text.Json.JsonSerializer.Serialize(new DeliverNotification(customerId, notificationId), DocumentJson.Options),
            delay > TimeSpan.Zero ? delay : null, cancellationToken).ConfigureAwait(false);
    }

    public TimeZoneInfo Zone(NotificationPreferences preferences) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(preferences.TimeZone ?? settings.DefaultTimeZone, out var zone) ? zone : TimeZoneInfo.FindSystemTimeZoneById(settings.DefaultTimeZone);

    /// <summary>Where a channel reaches the customer: the account's email, the phone in their preferences, the app always.</summary>
    public static string? Address(NotificationChannel channel, Customer? customer, NotificationPreferences preferences) => channel switch
    {
        NotificationChannel.Email => customer?.Email is { Length: > 0 } email ? email : null,
        NotificationChannel.Sms => preferences.Phone is { Length: > 0 } phone ? phone : null,
        _ => customer?.Id ?? preferences.CustomerId,
    };
}
