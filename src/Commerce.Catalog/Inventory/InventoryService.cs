using Commerce.Catalog.Products;
using Commerce.Storage.Documents;

namespace Commerce.Catalog.Inventory;

public sealed record StockLine(string Sku, int Quantity);

/// <param name="ShortSku">the first SKU without enough stock, when not reserved.</param>
public sealed record ReservationResult(bool Reserved, string? ShortSku);

public sealed class StockAdjustmentException(string message) : Exception(message);

/// <summary>
/// Stock per SKU, and reservations across SKUs: reserve (all lines or none), commit (stock leaves), release
/// (stock returns to available), restock (committed stock comes back after a cancellation). Every operation
/// is idempotent by reservation id, so a repeated call changes nothing and answers as the first did.
/// </summary>
public sealed class InventoryService(IDocumentStore documents, TimeProvider time)
{
    public const string StockContainer = "inventory";
    public const string ExpiryContainer = "reservation-expiry";
    private const string HeldPartition = "held";
    private static readonly TimeSpan FinishedReservationsKept = TimeSpan.FromDays(30);

    private IDocumentContainer? _stock;
    private IDocumentContainer? _expiry;

    private async Task<IDocumentContainer> StockAsync(CancellationToken cancellationToken) =>
        _stock ??= await documents.GetContainerAsync(StockContainer, cancellationToken).ConfigureAwait(false);

    private async Task<IDocumentContainer> ExpiryAsync(CancellationToken cancellationToken) =>
        _expiry ??= await documents.GetContainerAsync(ExpiryContainer, cancellationToken).ConfigureAwait(false);

    public async Task<StockLevel?> GetAsync(string sku, CancellationToken cancellationToken = default)
    {
        var key = Skus.Normalize(sku);
        return (await (await StockAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<StockLevel>(key, StockLevel.MainLocation, cancellationToken).ConfigureAwait(false))?.Value;
    }

    /// <summary>Adds <paramref name="delta"/> units (negative to remove) with a reason kept in the audit trail.</summary>
    /// <exception cref="StockAdjustmentException">the change would leave fewer units on hand than are reserved, or fewer than none.</exception>
    public Task<StockLevel> AdjustAsync(string sku, int delta, string reason, string by, CancellationToken cancellationToken = default) =>
        ChangeAsync(sku, stock =>
        {
            var onHand = stock.OnHand + delta;
            if (onHand < 0)
                throw new StockAdjustmentException($"{stock.Sku} has {stock.OnHand} on hand; removing {-delta} would leave fewer than none.");
            if (onHand < stock.Reserved)
                throw new StockAdjustmentException($"{stock.Sku} has {stock.Reserved} reserved; on hand cannot drop to {onHand}.");
            var adjustment = new StockAdjustment(time.GetUtcNow(), delta, reason, by, onHand);
            return stock with { OnHand = onHand, Adjustments = [adjustment, .. stock.Adjustments.Take(StockLevel.AdjustmentsKept - 1)] };
        }, createIfMissing: true, cancellationToken);

    public Task<StockLevel> SetLowStockThresholdAsync(string sku, int threshold, CancellationToken cancellationToken = default) =>
        ChangeAsync(sku, stock => stock with { LowStockThreshold = threshold }, createIfMissing: true, cancellationToken);

    /// <summary>Reserves every line or none: when a line is short, lines already held for this reservation are released.</summary>
    public async Task<ReservationResult> ReserveAsync(string reservationId, IReadOnlyList<StockLine> lines, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reservationId);
        var wanted = Merge(lines);
        await (await ExpiryAsync(cancellationToken).ConfigureAwait(false)).UpsertAsync(HeldPartition, reservationId,
            new HeldReservation(reservationId, wanted.Select(l => l.Sku).ToList(), expiresAt), cancellationToken).ConfigureAwait(false);
        foreach (var line in wanted)
        {
            var shortOf = false;
            await ChangeAsync(line.Sku, stock =>
            {
                if (stock.Reservations.TryGetValue(reservationId, out var existing))
                {
                    // Seen before: held means done; anything else means this reservation was already given up.
                    shortOf = existing.State != ReservationState.Held;
                    return stock;
                }
                if (stock.Available < line.Quantity)
                {
                    shortOf = true;
                    return stock;
                }
                return WithReservation(stock, reservationId, new StockReservation(line.Quantity, expiresAt, ReservationState.Held, time.GetUtcNow())) with
                {
                    Reserved = stock.Reserved + line.Quantity,
                };
            }, createIfMissing: false, cancellationToken).ConfigureAwait(false);
            if (shortOf)
            {
                await ReleaseAsync(reservationId, wanted.Select(l => l.Sku).ToList(), cancellationToken).ConfigureAwait(false);
                return new ReservationResult(false, line.Sku);
            }
        }
        return new ReservationResult(true, null);
    }

    /// <summary>Turns held units into sold ones: they leave on-hand and reserved together.</summary>
    public Task CommitAsync(string reservationId, IReadOnlyList<string> skus, CancellationToken cancellationToken = default) =>
        SettleAsync(reservationId, skus, ReservationState.Held, ReservationState.Committed, (stock, quantity) => stock with
        {
            OnHand = stock.OnHand - quantity,
            Reserved = stock.Reserved - quantity,
        }, cancellationToken);

    /// <summary>Gives held units back to available stock.</summary>
    public Task ReleaseAsync(string reservationId, IReadOnlyList<string> skus, CancellationToken cancellationToken = default) =>
        SettleAsync(reservationId, skus, ReservationState.Held, ReservationState.Released, (stock, quantity) => stock with
        {
            Reserved = stock.Reserved - quantity,
        }, cancellationToken);

    /// <summary>Puts committed units back on hand (an order cancelled after payment).</summary>
    public Task RestockAsync(string reservationId, IReadOnlyList<string> skus, CancellationToken cancellationToken = default) =>
        SettleAsync(reservationId, skus, ReservationState.Committed, ReservationState.Returned, (stock, quantity) => stock with
        {
            OnHand = stock.OnHand + quantity,
        }, cancellationToken);

    /// <summary>Releases reservations whose expiry has passed; returns how many.</summary>
    public async Task<int> ReleaseExpiredAsync(CancellationToken cancellationToken = default)
    {
        var expiry = await ExpiryAsync(cancellationToken).ConfigureAwait(false);
        var due = await expiry.QueryAllAsync(HeldPartition,
            DocumentQuery.All.Where("expiresAt", FilterOperator.LessThan, time.GetUtcNow()) with { PageSize = 500 }, cancellationToken).ConfigureAwait(false);
        foreach (var held in due.Select(d => d.Deserialize<HeldReservation>()))
            await ReleaseAsync(held.ReservationId, held.Skus, cancellationToken).ConfigureAwait(false);
        return due.Count;
    }

    private async Task SettleAsync(string reservationId, IReadOnlyList<string> skus, ReservationState from, ReservationState to,
        Func<StockLevel, int, StockLevel> apply, CancellationToken cancellationToken)
    {
        foreach (var sku in skus.Select(Skus.Normalize).Distinct())
        {
            await ChangeAsync(sku, stock =>
                stock.Reservations.TryGetValue(reservationId, out var reservation) && reservation.State == from
                    ? WithReservation(apply(stock, reservation.Quantity), reservationId, reservation with { State = to, UpdatedAt = time.GetUtcNow() })
                    : stock,
                createIfMissing: false, cancellationToken).ConfigureAwait(false);
        }
        if (from == ReservationState.Held)
            await (await ExpiryAsync(cancellationToken).ConfigureAwait(false)).DeleteAsync(HeldPartition, reservationId, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private StockLevel WithReservation(StockLevel stock, string reservationId, StockReservation reservation)
    {
        var cutoff = time.GetUtcNow() - FinishedReservationsKept;
        var kept = stock.Reservations
            .Where(r => r.Value.State == ReservationState.Held || r.Value.UpdatedAt > cutoff)
            .ToDictionary(r => r.Key, r => r.Value);
        kept[reservationId] = reservation;
        return stock with { Reservations = kept };
    }

    /// <summary>Read, change, write with If-Match; on a conflict read again. A change returning the same instance writes nothing.</summary>
    private async Task<StockLevel> ChangeAsync(string sku, Func<StockLevel, StockLevel> change, bool createIfMissing, CancellationToken cancellationToken)
    {
        var key = Skus.Normalize(sku);
        var stock = await StockAsync(cancellationToken).ConfigureAwait(false);
        StockLevel? decided = null;
        var stored = await stock.ChangeAsync<StockLevel>(key, StockLevel.MainLocation, current =>
        {
            var before = current ?? new StockLevel { Sku = key };
            decided = change(before);
            if (ReferenceEquals(decided, before) || (current is null && !createIfMissing && decided.Reservations.Count == 0))
                return current;
            return decided;
        }, cancellationToken).ConfigureAwait(false);
        return stored ?? decided!;
    }

    private static List<StockLine> Merge(IReadOnlyList<StockLine> lines)
    {
        if (lines.Count == 0 || lines.Any(l => l.Quantity < 1))
            throw new ArgumentException("A reservation needs at least one line, each of at least one unit.", nameof(lines));
        return lines.GroupBy(l => Skus.Normalize(l.Sku)).Select(g => new StockLine(g.Key, g.Sum(l => l.Quantity))).OrderBy(l => l.Sku, StringComparer.Ordinal).ToList();
    }

    private sealed record HeldReservation(string ReservationId, List<string> Skus, DateTimeOffset ExpiresAt);
}
