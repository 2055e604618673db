namespace Commerce.Events.Behaviour;

/// <summary>
/// What a client event must carry, by type, and how far its clock may be off. The one place these rules live:
/// the events API reads the JSON and asks here.
/// </summary>
public sealed record ClientEventRules(TimeSpan MaxClockSkew)
{
    public const int MaxBatch = 500;
    public const int MaxIdLength = 64;
    public const int MaxTextLength = 200;

    /// <summary>The typed properties each type needs.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Required = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [BehaviourEventTypes.ProductViewed] = ["sku"],
        [BehaviourEventTypes.Search] = ["query"],
        [BehaviourEventTypes.AddedToCart] = ["sku"],
        [BehaviourEventTypes.RemovedFromCart] = ["sku"],
        [BehaviourEventTypes.CheckoutStarted] = [],
        [BehaviourEventTypes.RecommendationShown] = ["slot"],
        [BehaviourEventTypes.RecommendationClicked] = ["slot", "sku", "position"],
        [BehaviourEventTypes.NotificationOpened] = [],
    };

    /// <summary>The problems of an event as read, by field name; none means it can be stored.</summary>
    public static IEnumerable<(string Field, string Problem)> Problems(BehaviourEvent e)
    {
        if (e.Id.Length is 0 or > MaxIdLength)
            yield return ("id", $"must have 1 to {MaxIdLength} characters");
        if (!Required.TryGetValue(e.Type, out var required))
        {
            yield return ("type", $"'{e.Type}' is not an event type; the types are {string.Join(", ", Required.Keys)}");
            yield break;
        }
        foreach (var field in required)
        {
            var present = field switch
            {
                "sku" => e.Sku is not null,
                "query" => e.Query is not null,
                "slot" => e.Slot is not null,
                _ => e.Position is not null,
            };
            if (!present)
                yield return (field, $"is required for {e.Type}");
        }
        if (e.Position is < 0)
            yield return ("position", "must be zero or more");
        if (e.CustomerId is null && e.DeviceId is null)
            yield return ("deviceId", "is required when no customer is signed in");
    }

    /// <summary>The event at the client's time, or at <paramref name="receivedAt"/> (flagged) when the client's clock is off by more than the bound.</summary>
    public BehaviourEvent Clamp(BehaviourEvent e, DateTimeOffset receivedAt) =>
        (e.Time - receivedAt).Duration() <= MaxClockSkew
            ? e with { ReceivedAt = receivedAt }
            : e with { Time = receivedAt, ClientTime = e.Time, ClockSkewed = true, ReceivedAt = receivedAt };
}
