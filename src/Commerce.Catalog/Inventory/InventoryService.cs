using Commerce.Catalog.Products;
using Commerce.Events.Outbox;
using Commerce.Storage.Documents;

namespace Commerce.Catalog.Inventory;

public sealed record StockLine(string Sku, int Quantity);

/// <param name="ShortSku">the first SKU without enough stock, when not reserved.</param>
public sealed record ReservationResult(bool Reserved, string? ShortSku);

/// <param name="ShortSku">when not committed: the SKU short of units when the reservation, lapsed, was taken again.</param>
public sealed record CommitResult(bool Committed, string? ShortSku);

public sealed class StockAdjustmentException(string message) : Exception(message);

/// <summary>
/// Stock per SKU, and reservations across SKUs: reserve (all lines or none), commit (stock leaves), release
/// (stock returns to available), restock (committed stock comes back after a cancellation). A reservation is
/// a record of its own that names the change under way before any stock document is touched, so each
/// operation is idempotent by reservation id, survives a crash at any point, and answers a repeat as it
/// answered the first call. Committing a reservation that lapsed first takes its units again, or says they are gone.
/// Any change that takes a SKU's available units from above its low-stock level to at or below it records a stock_low event.
/// </summary>
public sealed class InventoryService(IDocumentStore documents, EventOutbox outbox, InventoryOptions options, TimeProvider time)
{
    public const string StockContainer = "inventory";
    public const string ReservationsContainer = "reservations";
    public const string ExpiryContainer = "reservation-expiry";

    /// <summary>Finished reservations a stock document keeps besides the held ones, so that a late copy of a step finds its work done.</summary>
    public const int FinishedReservationsKept = 50;

    private const string HeldPartition = "held";

    /// <summary>How long units taken again for a lapsed reservation are held for the commit that took them.</summary>
    private static readonly TimeSpan RetakenHold = TimeSpan.FromMinutes(30);

    /// <summary>Raised with a SKU's stock once a change to it is stored here: snapshots of available units apply it at once.</summary>
    public event Action<StockLevel>? StockChanged;

    private IDocumentContainer? _stock;
    private IDocumentContainer? _reservations;
    private IDocumentContainer? _expiry;

    private async Task<IDocumentContainer> StockAsync(CancellationToken cancellationToken) =>
        _stock ??= await documents.GetContainerAsync(StockContainer, cancellationToken).ConfigureAwait(false);

    private async Task<IDocumentContainer> ReservationsAsync(CancellationToken cancellationToken) =>
        _reservations ??= await documents.GetContainerAsync(ReservationsContainer, cancellationToken).ConfigureAwait(false);

    private async Task<IDocumentContainer> ExpiryAsync(CancellationToken cancellationToken) =>
        _expiry ??= await documents.GetContainerAsync(ExpiryContainer, cancellationToken).ConfigureAwait(false);

    public async Task<StockLevel?> GetAsync(string sku, CancellationToken cancellationToken = default)
    {
        var key = Skus.Normalize(sku);
        return (await (await StockAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<StockLevel>(key, StockLevel.MainLocation, cancellationToken).ConfigureAwait(false))?.Value;
    }

    public async Task<Reservation?> GetReservationAsync(string reservationId, CancellationToken cancellationToken = default) =>
        DocumentRules.IsValidKey(reservationId)
            ? (await (await ReservationsAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<Reservation>(reservationId, reservationId, cancellationToken).ConfigureAwait(false))?.Value
            : null;

    /// <summary>Adds <paramref name="delta"/> units (negative to remove) with a reason kept in the audit trail.</summary>
    /// <exception cref="StockAdjustmentException">the change would leave fewer units on hand than are reserved, or fewer than none.</exception>
    public Task<StockLevel> AdjustAsync(string sku, int delta, string reason, string by, CancellationToken cancellationToken = default) =>
        ChangeStockAsync(sku, stock =>
        {
            var onHand = stock.OnHand + delta;
            if (onHand < 0)
                throw new StockAdjustmentException($"{stock.Sku} has {stock.OnHand} on hand; removing {-delta} would leave fewer than none.");
            if (onHand < stock.Reserved)
                throw new StockAdjustmentException($"{stock.Sku} has {stock.Reserved} reserved; on hand cannot drop to {onHand}.");
            var adjustment = new StockAdjustment(time.GetUtcNow(), delta, reason, by, onHand);
            return stock with { OnHand = onHand, Adjustments = [adjustment, .. stock.Adjustments.Take(StockLevel.AdjustmentsKept - 1)] };
        }, createIfMissing: true, cancellationToken);

    /// <summary>The SKU's own low-stock level, or the shop's.</summary>
    public int LowStockThresholdOf(StockLevel stock) => stock.LowStockThreshold ?? options.LowStockThreshold;

    public bool IsLow(StockLevel stock) => stock.Available <= LowStockThresholdOf(stock);

    public Task<StockLevel> SetLowStockThresholdAsync(string sku, int threshold, CancellationToken cancellationToken = default) =>
        ChangeStockAsync(sku, stock => stock with { LowStockThreshold = threshold }, createIfMissing: true, cancellationToken);

    /// <summary>
    /// Reserves every line or none: when a line is short, lines already held for this reservation are released.
    /// A reservation seen before answers as it stands: held, or given up.
    /// </summary>
    public async Task<ReservationResult> ReserveAsync(string reservationId, IReadOnlyList<StockLine> lines, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reservationId);
        var wanted = Merge(lines);
        var record = await ChangeReservationAsync(reservationId, current => current ?? new Reservation
        {
            Id = reservationId,
            Lines = wanted,
            Intent = ReservationIntent.Reserve,
            ExpiresAt = expiresAt,
            UpdatedAt = time.GetUtcNow(),
        }, cancellationToken).ConfigureAwait(false);
        record = await FinishAsync(record!, cancellationToken).ConfigureAwait(false);
        return new ReservationResult(record.State == ReservationState.Held, record.ShortSku);
    }

    /// <summary>
    /// Turns held units into sold ones: they leave on-hand and reserved together. A reservation that lapsed
    /// (released by <see cref="ReleaseExpiredAsync"/>) before this takes its units again if they are all still
    /// there; if not, nothing is taken and the answer names the SKU that ran short, so the order can be refunded.
    /// </summary>
    /// <exception cref="InvalidOperationException">there is no such reservation.</exception>
    public async Task<CommitResult> CommitAsync(string reservationId, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var record = await ChangeReservationAsync(reservationId, current => current switch
            {
                null => throw new InvalidOperationException($"There is no reservation '{reservationId}' to commit."),
                { Intent: not null } => current,
                { State: ReservationState.Held } => Begin(current, ReservationIntent.Commit),
                { State: ReservationState.Released, ShortSku: null } => Begin(current, ReservationIntent.Reserve) with
                {
                    Generation = current.Generation + 1,
                    ExpiresAt = time.GetUtcNow() + RetakenHold,
                },
                _ => current,
            }, cancellationToken).ConfigureAwait(false);
            record = await FinishAsync(record!, cancellationToken).ConfigureAwait(false);
            switch (record.State)
            {
                case ReservationState.Committed or ReservationState.Returned:
                    return new CommitResult(true, null);
                case ReservationState.Released:
                    return new CommitResult(false, record.ShortSku);
                // Held: taken again a moment ago; commit it on the next turn.
            }
        }
    }

    /// <summary>Gives held units back to available stock; a reservation already committed is left alone.</summary>
    public async Task ReleaseAsync(string reservationId, CancellationToken cancellationToken = default)
    {
        var record = await ChangeReservationAsync(reservationId, current => current is { Intent: ReservationIntent.Reserve } or { Intent: null, State: ReservationState.Held }
            ? Begin(current, ReservationIntent.Release)
            : current, cancellationToken).ConfigureAwait(false);
        if (record is not null)
            await FinishAsync(record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Puts committed units back on hand (an order cancelled after payment).</summary>
    public async Task RestockAsync(string reservationId, CancellationToken cancellationToken = default)
    {
        var record = await ChangeReservationAsync(reservationId, current => current is { Intent: null, State: ReservationState.Committed }
            ? Begin(current, ReservationIntent.Return)
            : current, cancellationToken).ConfigureAwait(false);
        if (record is not null)
            await FinishAsync(record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases reservations whose expiry has passed; returns how many.</summary>
    public async Task<int> ReleaseExpiredAsync(CancellationToken cancellationToken = default)
    {
        var expiry = await ExpiryAsync(cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var due = await expiry.QueryAllAsync(HeldPartition,
            DocumentQuery.All.Where("expiresAt", FilterOperator.LessThan, now) with { PageSize = 500 }, cancellationToken).ConfigureAwait(false);
        var released = 0;
        foreach (var held in due.Select(d => d.Deserialize<HeldReservation>()))
        {
            var record = await ChangeReservationAsync(held.ReservationId, current =>
                current is { Intent: ReservationIntent.Reserve } or { Intent: null, State: ReservationState.Held } && current.ExpiresAt < now
                    ? Begin(current, ReservationIntent.Release)
                    : current, cancellationToken).ConfigureAwait(false);
            if (record is { Intent: ReservationIntent.Release })
            {
                await FinishAsync(record, cancellationToken).ConfigureAwait(false);
                released++;
            }
            else if (record is null or { Intent: null, State: not ReservationState.Held })
            {
                await expiry.DeleteAsync(HeldPartition, held.ReservationId, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        return released;
    }

    /// <summary>
    /// Brings the stock documents to the end state of the record's intent, then records that state; a reserve that
    /// finds a line short turns into a release of what it took. Safe to repeat, and to run twice at once: each stock
    /// change is decided by the entry the stock document holds for this reservation and generation.
    /// </summary>
    private async Task<Reservation> FinishAsync(Reservation record, CancellationToken cancellationToken)
    {
        while (record.Intent is { } intent)
        {
            var shortSku = await ApplyAsync(record, intent, cancellationToken).ConfigureAwait(false);
            var generation = record.Generation;
            record = (await ChangeReservationAsync(record.Id, current => current is not null && current.Intent == intent && current.Generation == generation
                ? shortSku is null
                    ? current with { Intent = null, State = EndState(intent), UpdatedAt = time.GetUtcNow() }
                    : Begin(current, ReservationIntent.Release) with { ShortSku = shortSku }
                : current, cancellationToken).ConfigureAwait(false))!;
        }
        if (record.State != ReservationState.Held)
            await (await ExpiryAsync(cancellationToken).ConfigureAwait(false)).DeleteAsync(HeldPartition, record.Id, cancellationToken: cancellationToken).ConfigureAwait(false);
        return record;
    }

    /// <returns>for a reserve, the first SKU short of units (nothing more is taken then); otherwise null.</returns>
    private async Task<string?> ApplyAsync(Reservation record, ReservationIntent intent, CancellationToken cancellationToken)
    {
        if (intent == ReservationIntent.Reserve)
            await (await ExpiryAsync(cancellationToken).ConfigureAwait(false)).UpsertAsync(HeldPartition, record.Id, new HeldReservation(record.Id, record.ExpiresAt), cancellationToken).ConfigureAwait(false);
        foreach (var line in record.Lines)
        {
            var taken = true;
            await ChangeStockAsync(line.Sku, stock =>
            {
                var entry = stock.Reservations.GetValueOrDefault(record.Id) is { } found && found.Generation == record.Generation ? found : null;
                var now = time.GetUtcNow();
                switch (intent)
                {
                    case ReservationIntent.Reserve when entry is not null:
                        taken = entry.State == ReservationState.Held;
                        return stock;
                    case ReservationIntent.Reserve when stock.Available < line.Quantity:
                        taken = false;
                        return stock;
                    case ReservationIntent.Reserve:
                        return WithEntry(stock with { Reserved = stock.Reserved + line.Quantity }, record.Id, new StockReservation(line.Quantity, ReservationState.Held, now, record.Generation));
                    case ReservationIntent.Commit when entry is { State: ReservationState.Held }:
                        return WithEntry(stock with { OnHand = stock.OnHand - line.Quantity, Reserved = stock.Reserved - line.Quantity }, record.Id, entry with { State = ReservationState.Committed, UpdatedAt = now });
                    case ReservationIntent.Release when entry is { State: ReservationState.Held }:
                        return WithEntry(stock with { Reserved = stock.Reserved - line.Quantity }, record.Id, entry with { State = ReservationState.Released, UpdatedAt = now });
                    // No entry: it was committed long enough ago that the document no longer keeps it. Held entries are always kept.
                    case ReservationIntent.Return when entry is null or { State: ReservationState.Committed }:
                        return WithEntry(stock with { OnHand = stock.OnHand + line.Quantity }, record.Id, new StockReservation(line.Quantity, ReservationState.Returned, now, record.Generation));
                    default:
                        return stock;
                }
            }, createIfMissing: false, cancellationToken).ConfigureAwait(false);
            if (!taken)
                return line.Sku;
        }
        return null;
    }

    private Reservation Begin(Reservation reservation, ReservationIntent intent) => reservation with { Intent = intent, UpdatedAt = time.GetUtcNow() };

    private static ReservationState EndState(ReservationIntent intent) => intent switch
    {
        ReservationIntent.Reserve => ReservationState.Held,
        ReservationIntent.Commit => ReservationState.Committed,
        ReservationIntent.Release => ReservationState.Released,
        _ => ReservationState.Returned,
    };

    /// <summary>Enters a reservation's units, keeping every held entry and the newest <see cref="FinishedReservationsKept"/> finished ones.</summary>
    private static StockLevel WithEntry(StockLevel stock, string reservationId, StockReservation entry)
    {
        var kept = new Dictionary<string, StockReservation>(stock.Reservations) { [reservationId] = entry };
        foreach (var old in kept.Where(r => r.Value.State != ReservationState.Held).OrderByDescending(r => r.Value.UpdatedAt).Skip(FinishedReservationsKept).Select(r => r.Key).ToList())
            kept.Remove(old);
        return stock with { Reservations = kept };
    }

    private async Task<Reservation?> ChangeReservationAsync(string reservationId, Func<Reservation?, Reservation?> change, CancellationToken cancellationToken) =>
        await (await ReservationsAsync(cancellationToken).ConfigureAwait(false)).ChangeAsync(reservationId, reservationId, change, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Read, change, write with If-Match; on a conflict read again. A change returning the same instance writes nothing.
    /// A fall to the low-stock level is noted in the same write and then recorded in the outbox; a note left by a crash
    /// in between is recorded by the next change to the SKU, whatever it is.
    /// </summary>
    private async Task<StockLevel> ChangeStockAsync(string sku, Func<StockLevel, StockLevel> change, bool createIfMissing, CancellationToken cancellationToken)
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
            var threshold = LowStockThresholdOf(decided);
            if (decided.Available < before.Available && before.Available > threshold && decided.Available <= threshold)
                decided = decided with
                {
                    LowStockCrossings = before.LowStockCrossings + 1,
                    UnrecordedLowStock = [.. decided.UnrecordedLowStock, new LowStockCrossing(before.LowStockCrossings + 1, decided.Available, threshold, time.GetUtcNow())],
                };
            return decided;
        }, cancellationToken).ConfigureAwait(false);
        if (stored is not null)
            StockChanged?.Invoke(stored);
        if (stored is { UnrecordedLowStock.Count: > 0 })
            stored = await RecordLowStockAsync(stock, stored, cancellationToken).ConfigureAwait(false);
        return stored ?? decided!;
    }

    private async Task<StockLevel> RecordLowStockAsync(IDocumentContainer stock, StockLevel level, CancellationToken cancellationToken)
    {
        var recorded = level.UnrecordedLowStock.Select(c => c.Number).ToHashSet();
        await outbox.RecordAsync(StockEvents.Subject(level.Sku), [.. level.UnrecordedLowStock.Select(c => StockEvents.StockLow(level.Sku, c))], cancellationToken).ConfigureAwait(false);
        return (await stock.ChangeAsync<StockLevel>(level.Sku, StockLevel.MainLocation, current => current is not null && current.UnrecordedLowStock.Any(c => recorded.Contains(c.Number))
            ? current with { UnrecordedLowStock = [.. current.UnrecordedLowStock.Where(c => !recorded.Contains(c.Number))] }
            : current, cancellationToken).ConfigureAwait(false))!;
    }

    private static List<StockLine> Merge(IReadOnlyList<StockLine> lines)
    {
        if (lines.Count == 0 || lines.Any(l => l.Quantity < 1))
            throw new ArgumentException("A reservation needs at least one line, each of at least one unit.", nameof(lines));
        return lines.GroupBy(l => Skus.Normalize(l.Sku)).Select(g => new StockLine(g.Key, g.Sum(l => l.Quantity))).OrderBy(l => l.Sku, StringComparer.Ordinal).ToList();
    }

    private sealed record HeldReservation(string ReservationId, DateTimeOffset ExpiresAt);
}
