using System.Text.Json.Serialization;

namespace Commerce.Catalog.Inventory;

/// <summary>The change a reservation is making; while it is set, the stock documents are being brought to its end state.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReservationIntent>))]
public enum ReservationIntent
{
    /// <summary>Take the units (first, or again after the reservation lapsed): ends <see cref="ReservationState.Held"/>.</summary>
    [JsonStringEnumMemberName("reserve")] Reserve,
    [JsonStringEnumMemberName("commit")] Commit,
    [JsonStringEnumMemberName("release")] Release,
    [JsonStringEnumMemberName("return")] Return,
}

/// <summary>
/// One reservation across SKUs, in a document of its own: its lines, where it stands and the change under way.
/// The change is written here before the stock documents are touched, and the end state after, so a step cut
/// short by a crash is finished by whoever comes next, and a reservation is never both released and committed.
/// </summary>
public sealed record Reservation
{
    public required string Id { get; init; }

    /// <summary>One line per SKU, ordered by SKU, so every writer touches the stock documents in the same order.</summary>
    public required IReadOnlyList<StockLine> Lines { get; init; }

    public ReservationState State { get; init; } = ReservationState.Released;
    public ReservationIntent? Intent { get; init; }

    /// <summary>
    /// How many times units were taken for it. A reservation taken again after it lapsed is a new generation,
    /// so a late copy of a step of the old one cannot touch the new hold.
    /// </summary>
    public int Generation { get; init; } = 1;

    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The SKU that was short when units could not be taken.</summary>
    public string? ShortSku { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}
