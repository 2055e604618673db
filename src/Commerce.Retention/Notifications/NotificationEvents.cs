using System.Text.Json;
using Commerce.Events.Outbox;

namespace Commerce.Retention.Notifications;

/// <summary>What happens to a notification after it is sent, as system events about the notification.</summary>
public static class NotificationEvents
{
    public static string Subject(string notificationId) => "notification:" + notificationId;

    /// <summary>The customer opened <paramref name="read"/> in the app; one id per notification, however often it is recorded.</summary>
    public static SystemEvent Opened(Notification read) => new()
    {
        Id = $"{Subject(read.Id)}:opened",
        Type = SystemEventTypes.NotificationOpened,
        Subject = Subject(read.Id),
        Time = read.ReadAt ?? throw new ArgumentException($"Notification {read.Id} is not read.", nameof(read)),
        CustomerId = read.CustomerId,
        Channel = JsonNamingPolicy.SnakeCaseLower.ConvertName(nameof(NotificationChannel.InApp)),
        NotificationId = read.Id,
        CampaignId = read.CampaignId,
        OfferCode = read.Content.OfferCode,
    };
}
