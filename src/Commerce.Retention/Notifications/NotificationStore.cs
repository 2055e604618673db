using System.Security.Cryptography;
using System.Text;
using Commerce.Storage.Documents;

namespace Commerce.Retention.Notifications;

/// <summary>
/// Notifications, one partition per customer (the inbox is one query); and beside them each customer's
/// preferences and marketing ledger, and an index of notifications with deliveries still to make.
/// </summary>
public sealed class NotificationStore(IDocumentStore documents)
{
    public const string Container = "notifications";
    public const string StateContainer = "notification-state";
    private const string PendingPartition = "pending";
    private const string PreferencesId = "preferences";
    private const string LedgerId = "marketing-ledger";

    public Task<IDocumentContainer> NotificationsAsync(CancellationToken cancellationToken) => documents.GetContainerAsync(Container, cancellationToken);

    private Task<IDocumentContainer> StateAsync(CancellationToken cancellationToken) => documents.GetContainerAsync(StateContainer, cancellationToken);

    /// <summary>The id of the message a key names: the same key, the same message.</summary>
    public static string IdOf(string key) => "n-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..32];

    public async Task<Notification?> GetAsync(string customerId, string id, CancellationToken cancellationToken = default) =>
        DocumentRules.IsValidKey(customerId) && DocumentRules.IsValidKey(id)
            ? (await (await NotificationsAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<Notification>(customerId, id, cancellationToken).ConfigureAwait(false))?.Value
            : null;

    public async Task<NotificationPreferences> PreferencesAsync(string customerId, CancellationToken cancellationToken = default) =>
        (await (await StateAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<NotificationPreferences>(customerId, PreferencesId, cancellationToken).ConfigureAwait(false))?.Value
        ?? new NotificationPreferences(customerId);

    public async Task<NotificationPreferences> PutPreferencesAsync(NotificationPreferences preferences, CancellationToken cancellationToken = default)
    {
        await (await StateAsync(cancellationToken).ConfigureAwait(false)).UpsertAsync(preferences.CustomerId, PreferencesId, preferences, cancellationToken).ConfigureAwait(false);
        return preferences;
    }

    private sealed record Ledger(IReadOnlyList<LedgerEntry> Entries);

    private sealed record LedgerEntry(string NotificationId, DateTimeOffset At);

    /// <summary>
    /// Takes one of the customer's marketing slots for <paramref name="notificationId"/>: true when it fits under
    /// <paramref name="max"/> in the window before <paramref name="now"/>, or already holds one (a retry).
    /// </summary>
    public async Task<bool> TakeMarketingSlotAsync(string customerId, string notificationId, DateTimeOffset now, int max, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var taken = false;
        await (await StateAsync(cancellationToken).ConfigureAwait(false)).ChangeAsync<Ledger>(customerId, LedgerId, ledger =>
        {
            var recent = (ledger?.Entries ?? []).Where(e => e.At > now - window).ToList();
            if (recent.Any(e => e.NotificationId == notificationId))
            {
                taken = true;
                return ledger;
            }
            taken = recent.Count < max;
            return taken ? new Ledger([.. recent, new LedgerEntry(notificationId, now)]) : ledger;
        }, cancellationToken).ConfigureAwait(false);
        return taken;
    }

    /// <summary>Marks a notification as having deliveries to make, so a lost queue message is found again.</summary>
    public async Task MarkPendingAsync(Notification notification, CancellationToken cancellationToken = default) =>
        await (await StateAsync(cancellationToken).ConfigureAwait(false)).UpsertAsync(PendingPartition, notification.Id,
            new PendingDelivery(notification.CustomerId, notification.Id, notification.Deliveries.Where(d => d.Status == DeliveryStatus.Pending).Min(d => d.DueAt)), cancellationToken).ConfigureAwait(false);

    public async Task ClearPendingAsync(string notificationId, CancellationToken cancellationToken = default) =>
        await (await StateAsync(cancellationToken).ConfigureAwait(false)).DeleteAsync(PendingPartition, notificationId, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>Notifications whose deliveries were due before <paramref name="dueBefore"/> and are not all made.</summary>
    public async Task<IReadOnlyList<PendingDelivery>> PendingAsync(DateTimeOffset dueBefore, CancellationToken cancellationToken = default)
    {
        var query = DocumentQuery.All.Where("dueAt", FilterOperator.LessThan, dueBefore) with { PageSize = DocumentQuery.MaxPageSize };
        var found = await (await StateAsync(cancellationToken).ConfigureAwait(false)).QueryAllAsync(PendingPartition, query, cancellationToken).ConfigureAwait(false);
        return found.Select(d => d.Deserialize<PendingDelivery>()).ToList();
    }

    /// <summary>The customer's in-app messages, newest first.</summary>
    public async Task<(IReadOnlyList<Notification> Items, string? ContinuationToken)> InboxAsync(string customerId, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var query = DocumentQuery.All.Where("inApp", true) with { OrderBy = "createdAt", Descending = true, PageSize = pageSize, ContinuationToken = continuationToken };
        var page = await (await NotificationsAsync(cancellationToken).ConfigureAwait(false)).QueryAsync(customerId, query, cancellationToken).ConfigureAwait(false);
        return (page.Items.Select(d => d.Deserialize<Notification>()).ToList(), page.ContinuationToken);
    }
}

/// <summary>An entry of the pending index: which notification, whose, and from when it is due.</summary>
public sealed record PendingDelivery(string CustomerId, string NotificationId, DateTimeOffset DueAt);
