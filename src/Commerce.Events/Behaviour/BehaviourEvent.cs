namespace Commerce.Events.Behaviour;

/// <summary>What web and mobile clients report; the names are part of the API and of the lake.</summary>
public static class BehaviourEventTypes
{
    public const string ProductViewed = "product_viewed";
    public const string Search = "search";
    public const string AddedToCart = "added_to_cart";
    public const string RemovedFromCart = "removed_from_cart";
    public const string CheckoutStarted = "checkout_started";
    public const string RecommendationShown = "recommendation_shown";
    public const string RecommendationClicked = "recommendation_clicked";
    public const string NotificationOpened = "notification_opened";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        ProductViewed, Search, AddedToCart, RemovedFromCart, CheckoutStarted, RecommendationShown, RecommendationClicked, NotificationOpened,
    };
}

/// <summary>
/// A behaviour event as stored: for a signed-in customer or an anonymous device, at <see cref="Time"/> (the
/// client's clock, clamped to the server's when it was too far off: then <see cref="ClockSkewed"/> is set and
/// <see cref="ClientTime"/> keeps what the client said). <see cref="Id"/> is the client's: a repeat of an event
/// by the same customer or device is stored once.
/// </summary>
public sealed record BehaviourEvent(string Id, string Type, DateTimeOffset Time, string? CustomerId, string? DeviceId)
{
    public DateTimeOffset ReceivedAt { get; init; }
    public DateTimeOffset? ClientTime { get; init; }
    public bool ClockSkewed { get; init; }
    public string? Sku { get; init; }
    public string? Query { get; init; }
    public string? Slot { get; init; }
    public int? Position { get; init; }
    public string? Experiment { get; init; }
    public string? Variant { get; init; }
}
