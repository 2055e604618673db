using System.Globalization;
using Commerce.Storage.Documents;

namespace Commerce.Events.Behaviour;

/// <summary>Behaviour events accepted in one request, landed as one durable write.</summary>
public sealed record EventBatch(string Id, DateTimeOffset ReceivedAt, IReadOnlyList<BehaviourEvent> Events);

/// <summary>A batch as the inbox keeps it: its events in <see cref="EventBatchCodec"/>'s form.</summary>
internal sealed record StoredBatch(string Id, DateTimeOffset ReceivedAt, int Count, byte[] Events);

/// <summary>A landed batch as the compactor reads it; pass it back to remove it once its events are in the lake.</summary>
public sealed record InboxEntry(string Shard, string ETag, EventBatch Batch);

/// <summary>
/// Where accepted behaviour events land at once: one document per accepted batch, spread over a few
/// partitions so that writes do not queue on one. The compactor takes a share of each partition, writes
/// their events to the lake, then removes them; a crash in between only makes it take them again, and the
/// lake recognises events it already holds.
/// </summary>
public sealed class EventInbox(IDocumentStore documents)
{
    public const string Container = "event-inbox";
    public const int Shards = 8;

    private IDocumentContainer? _container;

    private async Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) =>
        _container ??= await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);

    public async Task<EventBatch> AppendAsync(IReadOnlyList<BehaviourEvent> events, DateTimeOffset receivedAt, CancellationToken cancellationToken = default)
    {
        var batch = new EventBatch($"{receivedAt.UtcTicks.ToString("D19", CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}", receivedAt, events);
        var shard = ShardKey((int)((uint)batch.Id.GetHashCode(StringComparison.Ordinal) % Shards));
        var stored = new StoredBatch(batch.Id, receivedAt, events.Count, EventBatchCodec.Encode(events));
        await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).CreateAsync(shard, batch.Id, stored, cancellationToken).ConfigureAwait(false);
        return batch;
    }

    /// <summary>Batches from every partition, up to about <paramref name="maxEvents"/> events in all.</summary>
    public async Task<IReadOnlyList<InboxEntry>> TakeAsync(int maxEvents, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var taken = new List<InboxEntry>();
        var budget = Math.Max(1, maxEvents / Shards);
        for (var shard = 0; shard < Shards; shard++)
        {
            var key = ShardKey(shard);
            var fromShard = 0;
            string? token = null;
            do
            {
                var page = await container.QueryAsync(key, DocumentQuery.All with { PageSize = 100, ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
                foreach (var document in page.Items)
                {
                    var stored = document.Deserialize<StoredBatch>();
                    var batch = new EventBatch(stored.Id, stored.ReceivedAt, EventBatchCodec.Decode(stored.Events));
                    taken.Add(new InboxEntry(key, document.ETag, batch));
                    fromShard += batch.Events.Count;
                }
                token = page.ContinuationToken;
            }
            while (token is not null && fromShard < budget);
        }
        return taken;
    }

    public async Task RemoveAsync(IReadOnlyList<InboxEntry> entries, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(entries.Select(e => container.DeleteAsync(e.Shard, e.Batch.Id, cancellationToken: cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Batches waiting, for health and benchmarks.</summary>
    public async Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var count = 0;
        for (var shard = 0; shard < Shards; shard++)
        {
            string? token = null;
            do
            {
                var page = await container.QueryAsync(ShardKey(shard), DocumentQuery.All with { PageSize = DocumentQuery.MaxPageSize, ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
                count += page.Items.Count;
                token = page.ContinuationToken;
            }
            while (token is not null);
        }
        return count;
    }

    private static string ShardKey(int shard) => "batches-" + shard.ToString(CultureInfo.InvariantCulture);
}
