using System.Text.Json.Serialization;

namespace Commerce.Retention.Notifications;

[JsonConverter(typeof(JsonStringEnumConverter<NotificationChannel>))]
public enum NotificationChannel
{
    [JsonStringEnumMemberName("email")] Email,
    [JsonStringEnumMemberName("sms")] Sms,
    [JsonStringEnumMemberName("in_app")] InApp,
}

[JsonConverter(typeof(JsonStringEnumConverter<NotificationCategory>))]
public enum NotificationCategory
{
    /// <summary>Offers and reminders: capped, quiet at night, never sent on an opted-out channel.</summary>
    [JsonStringEnumMemberName("marketing")] Marketing,

    /// <summary>About the customer's own orders: neither capped nor held for quiet hours, but still sent once.</summary>
    [JsonStringEnumMemberName("transactional")] Transactional,
}

[JsonConverter(typeof(JsonStringEnumConverter<DeliveryStatus>))]
public enum DeliveryStatus
{
    [JsonStringEnumMemberName("pending")] Pending,
    [JsonStringEnumMemberName("sent")] Sent,
    [JsonStringEnumMemberName("suppressed")] Suppressed,
}

/// <summary>What a message says, the same on every channel; an offer's code and expiry travel with it.</summary>
public sealed record NotificationContent(string Title, string Body)
{
    public string? OfferCode { get; init; }
    public DateTimeOffset? OfferExpiresAt { get; init; }

    /// <summary>Items the message is about (a reorder reminder's due items).</summary>
    public IReadOnlyList<string> Items { get; init; } = [];
}

/// <summary>One channel's copy of a message: sent, waiting (until <see cref="DueAt"/>: quiet hours), or not sent and why.</summary>
public sealed record Delivery(NotificationChannel Channel, DeliveryStatus Status, DateTimeOffset DueAt)
{
    public string? Reason { get; init; }
    public DateTimeOffset? SentAt { get; init; }
}

/// <summary>
/// One message to one customer, rendered per channel. <see cref="Id"/> comes from the sender's key (an offer, an
/// order status), so asking twice for the same message finds the first one instead of sending again.
/// </summary>
public sealed record Notification
{
    public required string Id { get; init; }
    public required string Key { get; init; }
    public required string CustomerId { get; init; }
    public required NotificationCategory Category { get; init; }

    /// <summary>What kind of message: "coupon", "reorder_reminder", "order_shipped", ...</summary>
    public required string Topic { get; init; }

    public required NotificationContent Content { get; init; }
    public string? CampaignId { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required IReadOnlyList<Delivery> Deliveries { get; init; }

    /// <summary>In the customer's in-app inbox (its in_app copy was delivered).</summary>
    public bool InApp { get; init; }

    /// <summary>When the customer opened it in the app.</summary>
    public DateTimeOffset? ReadAt { get; init; }

    public bool IsPending => Deliveries.Any(d => d.Status == DeliveryStatus.Pending);
}

/// <summary>A message to send: <see cref="Key"/> names it uniquely (one per offer, one per order status).</summary>
public sealed record NotificationRequest(string Key, string CustomerId, NotificationCategory Category, string Topic, NotificationContent Content)
{
    public string? CampaignId { get; init; }

    /// <summary>The channels to use (all three by default); opted-out ones are left out.</summary>
    public IReadOnlyList<NotificationChannel> Channels { get; init; } = [NotificationChannel.Email, NotificationChannel.Sms, NotificationChannel.InApp];
}

/// <summary>A customer's choices: channels they opted out of (marketing only), their time zone for quiet hours, their phone for SMS.</summary>
public sealed record NotificationPreferences(string CustomerId)
{
    public IReadOnlyList<NotificationChannel> OptedOut { get; init; } = [];

    /// <summary>IANA time zone ("Europe/Paris"); the shop's default when null.</summary>
    public string? TimeZone { get; init; }

    public string? Phone { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}
