using Commerce.Catalog.Import;
using Commerce.Catalog.Products;
using Commerce.Events.Behaviour;
using Commerce.Events.Outbox;
using Commerce.Orders.Orders;
using Commerce.Storage.Documents;
using Microsoft.Extensions.Logging;

namespace Commerce.Analytics.Lake;

/// <summary>What a compaction run moved into the lake.</summary>
/// <param name="Busy">another run held the lease, so this one did nothing.</param>
public sealed record CompactionReport(bool Busy, int Rounds, int Batches, int ClientEvents, int SystemEvents, LakeWriteResult Written, IReadOnlyList<string> CustomersWithNewOrders)
{
    public static CompactionReport Nothing(bool busy) => new(busy, 0, 0, 0, 0, new LakeWriteResult(0, 0, 0, 0), []);
}

/// <param name="RoundEvents">about how many behaviour events one round takes from the inbox.</param>
/// <param name="RoundSubjects">how many outbox subjects one round takes.</param>
/// <param name="Lease">how long a run may hold the lake before another may take over (renewed every round).</param>
public sealed record CompactionOptions(int RoundEvents = 400_000, int RoundSubjects = 5_000, TimeSpan? Lease = null)
{
    public TimeSpan LeaseDuration => Lease ?? TimeSpan.FromMinutes(2);
}

/// <summary>
/// Moves what landed durably into the lake, in rounds until nothing is left (or the time given is used):
/// behaviour batches from the inbox, system events pending for the lake in the outbox, and orders that
/// finished (read from the store when their stream says so). Each round writes first and only then removes
/// the batches and acknowledges the subjects, so a crash repeats a round rather than losing one; the
/// writer skips rows the lake already holds. One run at a time across instances (a lease in the store).
/// </summary>
public sealed class LakeCompactor(
    EventInbox inbox,
    EventOutbox outbox,
    OrderRepository orders,
    ProductCatalog catalog,
    LakeWriter writer,
    IDocumentStore documents,
    CompactionOptions options,
    TimeProvider time,
    ILogger<LakeCompactor> logger)
{
    public const string StateContainer = "lake-state";

    public async Task<CompactionReport> RunAsync(TimeSpan budget, CancellationToken cancellationToken = default)
    {
        var state = await documents.GetContainerAsync(StateContainer, cancellationToken).ConfigureAwait(false);
        // The lease belongs to this run, not to this instance: the timer and an import's drain share the compactor.
        var lease = new DocumentLease(state, "compactor", "lease", options.LeaseDuration, time);
        if (!await lease.TakeAsync(cancellationToken).ConfigureAwait(false))
            return CompactionReport.Nothing(busy: true);
        var started = time.GetTimestamp();
        var total = CompactionReport.Nothing(busy: false);
        try
        {
            while (true)
            {
                var round = await RoundAsync(cancellationToken).ConfigureAwait(false);
                if (round is null)
                    break;
                total = total with
                {
                    Rounds = total.Rounds + 1,
                    Batches = total.Batches + round.Batches,
                    ClientEvents = total.ClientEvents + round.ClientEvents,
                    SystemEvents = total.SystemEvents + round.SystemEvents,
                    Written = new LakeWriteResult(total.Written.Events + round.Written.Events, total.Written.Orders + round.Written.Orders,
                        total.Written.OrderLines + round.Written.OrderLines, 0),
                    CustomersWithNewOrders = [.. total.CustomersWithNewOrders.Union(round.CustomersWithNewOrders, StringComparer.Ordinal)],
                };
                if (time.GetElapsedTime(started) > budget || !await lease.TakeAsync(cancellationToken).ConfigureAwait(false))
                    break;
            }
        }
        finally
        {
            await lease.ReleaseAsync().ConfigureAwait(false);
        }
        if (total.Rounds > 0)
            logger.LogInformation("Compacted {Batches} batches ({ClientEvents} behaviour events) and {SystemEvents} system events into the lake: {Events} events, {Orders} orders, {Lines} order lines new",
                total.Batches, total.ClientEvents, total.SystemEvents, total.Written.Events, total.Written.Orders, total.Written.OrderLines);
        return total;
    }

    /// <summary>Runs until the inbox and the lake's outbox list are empty, waiting out another run's lease; reports what this run moved.</summary>
    public async Task<CompactionReport> DrainAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var run = await RunAsync(TimeSpan.MaxValue, cancellationToken).ConfigureAwait(false);
            if (!run.Busy)
                return run;
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<CompactionReport?> RoundAsync(CancellationToken cancellationToken)
    {
        var batches = await inbox.TakeAsync(options.RoundEvents, cancellationToken).ConfigureAwait(false);
        var pending = await outbox.PendingAsync(OutboxConsumers.Lake, options.RoundSubjects, cancellationToken).ConfigureAwait(false);
        if (batches.Count == 0 && pending.Count == 0)
            return null;

        var systemEvents = new List<SystemEvent>();
        var finished = new List<Order>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken };
        var gate = new object();
        await Parallel.ForEachAsync(pending, parallel, async (subject, token) =>
        {
            var stream = await outbox.ReadAsync(subject.Subject, 0, token).ConfigureAwait(false);
            var order = stream.FirstOrDefault(e => e.Type is SystemEventTypes.OrderCompleted or SystemEventTypes.OrderCancelled)?.OrderId is { } id
                ? await orders.GetAsync(id, token).ConfigureAwait(false)
                : null;
            lock (gate)
            {
                systemEvents.AddRange(stream);
                if (order is not null)
                    finished.Add(order);
            }
        }).ConfigureAwait(false);

        var categories = finished.Count == 0 ? [] : (await catalog.AllAsync(cancellationToken).ConfigureAwait(false))
            .Where(p => p.Product.Category != ProductImporter.ImportedCategory)
            .ToDictionary(p => p.Product.Sku, p => p.Product.Category, StringComparer.Ordinal);
        var clientEvents = batches.SelectMany(b => b.Batch.Events).ToList();
        var written = await writer.WriteAsync(new LakeBatch(clientEvents, systemEvents, finished, [], time.GetUtcNow())
        {
            CategoryOf = sku => categories.GetValueOrDefault(sku),
        }, cancellationToken).ConfigureAwait(false);

        await inbox.RemoveAsync(batches, cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(pending, parallel, async (subject, token) =>
            await outbox.AcknowledgeAsync(OutboxConsumers.Lake, subject, token).ConfigureAwait(false)).ConfigureAwait(false);
        var customers = written.OrderLines > 0
            ? finished.Where(o => o.Status == OrderStatus.Completed).Select(o => o.CustomerId).Distinct(StringComparer.Ordinal).ToList()
            : [];
        return new CompactionReport(false, 1, batches.Count, clientEvents.Count, systemEvents.Count, written, customers);
    }
}
