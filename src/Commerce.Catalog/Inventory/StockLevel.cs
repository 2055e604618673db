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
    /// <summary>This SKU's own low-stock level; none means the shop's (<see cref="InventoryOptions.LowStockThreshold"/>).</summary>
    public int? LowStockThreshold { get; init; }

    /// <summary>How often available units have fallen to the low-stock level from above it; numbers the stock_low events.</summary>
    public int LowStockCrossings { get; init; }

    /// <summary>
    /// Falls to the low-stock level whose stock_low events are not in the outbox yet: each written in the same conditional
    /// write as the change that caused it, so a crash before its event is recorded leaves it here for the next change to record.
    /// </summary>
    public IReadOnlyList<LowStockCrossing> UnrecordedLowStock { get; init; } = [];
    public IReadOnlyDictionary<string, StockReservation> Reservations { get; init; } = new Dictionary<string, StockReservation>();

    /// <summary>The newest adjustments first, at most <see cref="AdjustmentsKept"/>: the audit trail of manual changes.</summary>
    public IReadOnlyList<StockAdjustment> Adjustments { get; init; } = [];

    public int Available => OnHand - Reserved;
}

/// <param name="Number">which fall this is (<see cref="StockLevel.LowStockCrossings"/>).</param>
/// <param name="Available">units left after the change.</param>
public sealed record LowStockCrossing(int Number, int Available, int Threshold, DateTimeOffset At);
