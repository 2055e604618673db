using Commerce.Events.Outbox;
using Commerce.Storage.Documents;
using Microsoft.Extensions.Logging;

namespace Commerce.Events.Relay;

/// <param name="RoundSubjects">how many outbox subjects one round takes.</param>
/// <param name="Lease">how long a run may hold the relay before another may take over (renewed every round).</param>
public sealed record RelayOptions(int RoundSubjects = 1_000, TimeSpan? Lease = null)
{
    public TimeSpan LeaseDuration => Lease ?? TimeSpan.FromMinutes(2);
}

/// <summary>What a relay run sent.</summary>
/// <param name="Busy">another run held the lease, so this one did nothing.</param>
public sealed record RelayReport(bool Busy, int Subjects, int Events);

/// <summary>
/// An outbox consumer that hands records on: to the integration-event transport (<see cref="OutboxConsumers.Relay"/>)
/// or to partner webhook deliveries (<see cref="OutboxConsumers.Webhooks"/>). It sends each subject's records that have not gone out yet, in their recorded
/// order (only the <see cref="SystemEventTypes.Published"/> types), then moves the subject's cursor and acknowledges it. A crash after a send and before the cursor moves
/// sends those records again with the same ids (at least once); nothing recorded is skipped, because the
/// outbox keeps the subject pending until an acknowledgement finds nothing newer. One run at a time (a lease),
/// so two instances never interleave one order's events.
/// </summary>
public sealed class EventRelay(
    string consumer,
    IIntegrationEventPublisher publisher,
    EventOutbox outbox,
    IntegrationEventFormat format,
    IDocumentStore documents,
    RelayOptions options,
    TimeProvider time,
    ILogger<EventRelay> logger)
{
    public const string StateContainer = "relay-state";

    public string Consumer => consumer;

    public async Task<RelayReport> RunAsync(TimeSpan budget, CancellationToken cancellationToken = default)
    {
        var state = await documents.GetContainerAsync(StateContainer, cancellationToken).ConfigureAwait(false);
        var lease = new DocumentLease(state, consumer, "lease", options.LeaseDuration, time);
        if (!await lease.TakeAsync(cancellationToken).ConfigureAwait(false))
            return new RelayReport(true, 0, 0);
        var started = time.GetTimestamp();
        var (subjects, events) = (0, 0);
        try
        {
            while (true)
            {
                var pending = await outbox.PendingAsync(consumer, options.RoundSubjects, cancellationToken).ConfigureAwait(false);
                if (pending.Count == 0)
                    break;
                var sent = 0;
                await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (subject, token) =>
                    Interlocked.Add(ref sent, await RelaySubjectAsync(state, subject, token).ConfigureAwait(false))).ConfigureAwait(false);
                subjects += pending.Count;
                events += sent;
                if (time.GetElapsedTime(started) > budget || !await lease.TakeAsync(cancellationToken).ConfigureAwait(false))
                    break;
            }
        }
        finally
        {
            await lease.ReleaseAsync().ConfigureAwait(false);
        }
        if (events > 0)
            logger.LogInformation("Relayed {Events} events of {Subjects} subjects to {Consumer}", events, subjects, consumer);
        return new RelayReport(false, subjects, events);
    }

    /// <summary>Runs until nothing is pending for the relay, waiting out another run's lease.</summary>
    public async Task<RelayReport> DrainAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var run = await RunAsync(TimeSpan.MaxValue, cancellationToken).ConfigureAwait(false);
            if (!run.Busy)
                return run;
            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<int> RelaySubjectAsync(IDocumentContainer state, PendingSubject pending, CancellationToken cancellationToken)
    {
        var cursor = await state.ReadAsync<RelayCursor>(pending.Subject, consumer, cancellationToken).ConfigureAwait(false);
        var relayed = cursor?.Value.Sequence ?? 0;
        var fresh = await outbox.ReadAsync(pending.Subject, relayed, cancellationToken).ConfigureAwait(false);
        var published = fresh.Where(e => SystemEventTypes.Published.Contains(e.Type)).Select(format.ToMessage).ToList();
        if (published.Count > 0)
            await publisher.PublishAsync(published, cancellationToken).ConfigureAwait(false);
        if (fresh.Count > 0)
            await state.UpsertAsync(pending.Subject, consumer, new RelayCursor(fresh[^1].Sequence), cancellationToken).ConfigureAwait(false);
        await outbox.AcknowledgeAsync(consumer, pending, cancellationToken).ConfigureAwait(false);
        return published.Count;
    }

    private sealed record RelayCursor(long Sequence);
}
