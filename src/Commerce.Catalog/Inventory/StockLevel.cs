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

/// <summary>A reservation's units of one SKU as the stock document counts them.</summary>
/// <param name="Generation">the reservation's generation that took them (see <see cref="Reservation.Generation"/>).</param>
public sealed record StockReservation(int Quantity, ReservationState State, DateTimeOffset UpdatedAt, int Generation = 1);

public sealed record StockAdjustment(DateTimeOffset At, int Delta, string Reason, string By, int OnHandAfter);

/// <summary>
/// Stock of one SKU at one location. The units a reservation holds are entered here, so a reserve changes
/// the count and records the hold in one conditional write: that is what makes reserves idempotent and
/// impossible to oversell under concurrency. Only held entries and the newest finished ones stay; the
/// reservation itself is a record of its own (<see cref="Reservation"/>), so the document does not grow
/// with the orders the SKU has seen.
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
