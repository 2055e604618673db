using System.Globalization;
using Commerce.Storage.Documents;

namespace Commerce.Events.Outbox;

/// <summary>A subject with records a consumer has not taken yet; pass it back to acknowledge them.</summary>
public sealed record PendingSubject(string Subject, string ETag);

/// <summary>
/// System events, kept durably as a stream per subject (a partition each, one document per record, the
/// sequence number as its id: two writers can never take the same number, and a retry that finds its
/// record already there adds nothing). After each recording every consumer's pending list gets the
/// subject, so consumers (the lake, the relay) need no cross-partition query: they read the
/// subjects pending for them, read those streams, and acknowledge. An acknowledgement only clears the
/// subject if nothing was recorded for it in between (ETag), so nothing recorded is ever skipped.
/// </summary>
public sealed class EventOutbox(IDocumentStore documents, OutboxConsumers consumers)
{
    public const string Container = "outbox";
    private const string StreamPrefix = "stream:";
    private const string PendingPrefix = "pending:";

    private IDocumentContainer? _container;

    private async Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) =>
        _container ??= await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Appends the events whose ids the subject's stream does not hold yet, numbering them in the order given.
    /// Recording what is already there only tells the consumers to look again, which makes this the step to
    /// repeat after a crash.
    /// </summary>
    public async Task RecordAsync(string subject, IReadOnlyList<SystemEvent> events, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var last = 0L;
        while (true)
        {
            var stream = await ReadAsync(subject, 0, cancellationToken).ConfigureAwait(false);
            var known = stream.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
            last = stream.Count == 0 ? 0 : stream[^1].Sequence;
            try
            {
                foreach (var fresh in events.Where(e => known.Add(e.Id)))
                {
                    var numbered = fresh with { Subject = subject, Sequence = last + 1 };
                    await container.CreateAsync(StreamPrefix + subject, SequenceId(numbered.Sequence), numbered, cancellationToken).ConfigureAwait(false);
                    last = numbered.Sequence;
                    SystemEventMetrics.Appended(numbered);
                }
                break;
            }
            catch (DocumentConflictException)
            {
                // Another writer took the number: read the stream again and go on after it.
            }
        }
        foreach (var consumer in consumers.Names)
            await container.UpsertAsync(PendingPrefix + consumer, subject, new PendingMarker(subject, last), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The subject's records after <paramref name="afterSequence"/>, in order.</summary>
    public async Task<IReadOnlyList<SystemEvent>> ReadAsync(string subject, long afterSequence = 0, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var query = DocumentQuery.All with { OrderBy = "sequence", PageSize = DocumentQuery.MaxPageSize };
        if (afterSequence > 0)
            query = query.Where("sequence", FilterOperator.GreaterThan, afterSequence);
        var found = await container.QueryAllAsync(StreamPrefix + subject, query, cancellationToken).ConfigureAwait(false);
        return found.Select(d => d.Deserialize<SystemEvent>()).ToList();
    }

    /// <summary>Up to <paramref name="max"/> subjects with records <paramref name="consumer"/> has not acknowledged.</summary>
    public async Task<IReadOnlyList<PendingSubject>> PendingAsync(string consumer, int max, CancellationToken cancellationToken = default)
    {
        consumers.Validate(consumer);
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var pending = new List<PendingSubject>(Math.Min(max, 1024));
        string? token = null;
        do
        {
            var page = await container.QueryAsync(PendingPrefix + consumer,
                DocumentQuery.All with { PageSize = Math.Min(DocumentQuery.MaxPageSize, max - pending.Count), ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
            pending.AddRange(page.Items.Select(d => new PendingSubject(d.Deserialize<PendingMarker>().Subject, d.ETag)));
            token = page.ContinuationToken;
        }
        while (token is not null && pending.Count < max);
        return pending;
    }

    /// <returns>false when the subject was recorded to again since it was listed: it stays pending.</returns>
    public async Task<bool> AcknowledgeAsync(string consumer, PendingSubject pending, CancellationToken cancellationToken = default)
    {
        consumers.Validate(consumer);
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await container.DeleteAsync(PendingPrefix + consumer, pending.Subject, pending.ETag, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DocumentPreconditionFailedException)
        {
            return false;
        }
    }

    private static string SequenceId(long sequence) => sequence.ToString("D12", CultureInfo.InvariantCulture);

    private sealed record PendingMarker(string Subject, long Sequence);
}

/// <summary>Who reads the outbox; each gets its own pending list. Fixed when the app starts.</summary>
public sealed class OutboxConsumers(params string[] names)
{
    /// <summary>Compaction into the lake.</summary>
    public const string Lake = "lake";

    /// <summary>Integration events to downstream systems (Service Bus or a storage queue).</summary>
    public const string Relay = "relay";

    /// <summary>Deliveries to partners' webhook subscriptions.</summary>
    public const string Webhooks = "webhooks";

    public IReadOnlyList<string> Names { get; } = names;

    internal void Validate(string consumer)
    {
        if (!Names.Contains(consumer, StringComparer.Ordinal))
            throw new ArgumentException($"'{consumer}' is not an outbox consumer; the consumers are {string.Join(", ", Names)}.", nameof(consumer));
    }
}
