using System.Text.Json.Serialization;

namespace Commerce.Catalog.Inventory;

[JsonConverter(typeof(JsonStringEnumConverter<ReservationState>))]
public enum ReservationState
{
    [JsonStringEnumMemberName("held")] Held,
    [JsonStringEnumMemberName("committed")] Committed,
    [JsonStringEnumMemberName("released")] Released,
    [JsonStringEnumMemberName("returned")] Returned,
}

public sealed record StockReservation(int Quantity, DateTimeOffset ExpiresAt, ReservationState State, DateTimeOffset UpdatedAt);

public sealed record StockAdjustment(DateTimeOffset At, int Delta, string Reason, string By, int OnHandAfter);

/// <summary>
/// Stock of one SKU at one location. Reservations live inside it, so a reserve changes the count and
/// records the reservation in one conditional write; that is what makes reserves idempotent by
/// reservation id and impossible to oversell under concurrency.
/// </summary>
public sealed record StockLevel
{
    public const string MainLocation = "main";
    public const int AdjustmentsKept = 200;

    public required string Sku { get; init; }
    public string Location { get; init; } = MainLocation;
    public int OnHand { get; init; }
    public int Reserved { get; init; }
    public int LowStockThreshold { get; init; }
    public IReadOnlyDictionary<string, StockReservation> Reservations { get; init; } = new Dictionary<string, StockReservation>();

    /// <summary>The newest adjustments first, at most <see cref="AdjustmentsKept"/>: the audit trail of manual changes.</summary>
    public IReadOnlyList<StockAdjustment> Adjustments { get; init; } = [];

    public int Available => OnHand - Reserved;

    public bool IsLow => Available <= LowStockThreshold;
}
