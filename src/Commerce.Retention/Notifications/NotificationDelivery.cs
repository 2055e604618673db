using Commerce.Catalog.Customers;
using Commerce.Events.Outbox;
using Commerce.Storage.Documents;
using Microsoft.Extensions.Logging;

namespace Commerce.Retention.Notifications;

/// <summary>
/// Sends a notification's pending copies that are due: email and SMS through their providers (keyed by message and
/// channel, so a retry after a crash is not a second message), in-app by putting it in the inbox. Each copy is
/// marked sent once its provider has it; copies not due yet (quiet hours) go back on the queue for later.
/// </summary>
public sealed class NotificationDelivery(
    NotificationStore store,
    NotificationOutbox outbox,
    EventOutbox events,
    CustomerService customers,
    IEnumerable<IMessageSender> senders,
    TimeProvider time,
    ILogger<NotificationDelivery> logger)
{
    private readonly Dictionary<NotificationChannel, IMessageSender> _senders = senders.ToDictionary(s => s.Channel);

    public async Task DeliverAsync(DeliverNotification message, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(message.CustomerId, message.NotificationId, cancellationToken).ConfigureAwait(false) is not { } notification)
        {
            // Marked pending by a send that died before storing it: nothing will ever be due.
            logger.LogWarning("Notification {Id} of {Customer} does not exist; nothing to deliver", message.NotificationId, message.CustomerId);
            await store.ClearPendingAsync(message.NotificationId, cancellationToken).ConfigureAwait(false);
            return;
        }
        var now = time.GetUtcNow();
        var preferences = await store.PreferencesAsync(notification.CustomerId, cancellationToken).ConfigureAwait(false);
        var customer = (await customers.GetAsync(notification.CustomerId, cancellationToken).ConfigureAwait(false))?.Customer;
        foreach (var delivery in notification.Deliveries.Where(d => d.Status == DeliveryStatus.Pending && d.DueAt <= now))
        {
            if (delivery.Channel != NotificationChannel.InApp)
            {
                var to = NotificationOutbox.Address(delivery.Channel, customer, preferences);
                if (to is not null)
                    await _senders[delivery.Channel].SendAsync(NotificationRenderer.Render(notification, delivery.Channel, to), cancellationToken).ConfigureAwait(false);
            }
            notification = await MarkAsync(notification, delivery.Channel, now, cancellationToken).ConfigureAwait(false);
        }
        if (notification.IsPending)
            await outbox.QueueAsync(notification.CustomerId, notification.Id, notification.Deliveries.Where(d => d.Status == DeliveryStatus.Pending).Min(d => d.DueAt), cancellationToken).ConfigureAwait(false);
        else
            await store.ClearPendingAsync(notification.Id, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Notification> MarkAsync(Notification notification, NotificationChannel channel, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var container = await store.NotificationsAsync(cancellationToken).ConfigureAwait(false);
        return (await container.ChangeAsync<Notification>(notification.CustomerId, notification.Id, current => current is null ? null : current with
        {
            Deliveries = current.Deliveries.Select(d => d.Channel == channel && d.Status == DeliveryStatus.Pending ? d with { Status = DeliveryStatus.Sent, SentAt = now } : d).ToList(),
            InApp = current.InApp || channel == NotificationChannel.InApp,
        }, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Queues again every notification whose copies were due a while ago and are still not sent (the queue message was lost in a crash).</summary>
    public async Task<int> RequeueStalledAsync(TimeSpan stalledAfter, CancellationToken cancellationToken)
    {
        var stalled = await store.PendingAsync(time.GetUtcNow() - stalledAfter, cancellationToken).ConfigureAwait(false);
        foreach (var pending in stalled)
            await outbox.QueueAsync(pending.CustomerId, pending.NotificationId, pending.DueAt, cancellationToken).ConfigureAwait(false);
        return stalled.Count;
    }

    /// <summary>Marks an in-app message read (once) and records it opened; null when the customer has no such message.</summary>
    public async Task<Notification?> MarkReadAsync(string customerId, string notificationId, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(customerId, notificationId, cancellationToken).ConfigureAwait(false) is not { InApp: true })
            return null;
        var now = time.GetUtcNow();
        var container = await store.NotificationsAsync(cancellationToken).ConfigureAwait(false);
        if (await container.ChangeAsync<Notification>(customerId, notificationId, current => current is null || current.ReadAt is not null ? current : current with { ReadAt = now }, cancellationToken).ConfigureAwait(false) is not { } read)
            return null;
        // Recorded on every call, not only the first: a call that crashed after marking the message read left it unrecorded,
        // and the event's id, derived from the notification, makes a repeat add nothing.
        await events.RecordAsync(NotificationEvents.Subject(read.Id), [NotificationEvents.Opened(read)], cancellationToken).ConfigureAwait(false);
        return read;
    }
}
