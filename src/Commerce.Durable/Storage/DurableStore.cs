using System.Text;
using System.Text.Json;
using Commerce.Durable.Engine;
using Commerce.Storage.Blobs;
using Commerce.Storage.Documents;
using Commerce.Storage.Queues;
using Microsoft.DurableTask.Client;

namespace Commerce.Durable.Storage;

/// <summary>
/// Where the engine keeps its state, on the storage ports: one document per instance (partition = instance
/// id) holding status, history and outbox; an index of instances by creation day for queries; the control
/// and work queues; and a blob container for payloads too large to keep inline.
/// </summary>
public sealed class DurableStore(IDocumentStore documents, IBlobStore blobs, IQueueStore queues, TimeProvider time)
{
    public const string InstancesContainer = "durable-instances";
    public const string IndexContainer = "durable-index";
    public const string PayloadContainer = "durable-payloads";
    public const string ControlQueue = "durable-control";
    public const string WorkQueue = "durable-work";

    /// <summary>Payloads above this many UTF-8 bytes are kept in blobs, so an instance document stays small.</summary>
    public const int InlinePayloadLimit = 45 * 1024;

    private const string BlobMarker = "\u0001blob:";

    private Task<Handles>? _handles;

    private sealed record Handles(IDocumentContainer Instances, IDocumentContainer Index, IBlobContainer Payloads, IMessageQueue Control, IMessageQueue Work);

    /// <summary>Opens the containers and queues once; a failed attempt (a store not reachable yet) is tried again next time.</summary>
    private async ValueTask<Handles> OpenAsync()
    {
        var handles = _handles;
        if (handles is { IsCompletedSuccessfully: true })
            return handles.Result;
        if (handles is null || handles.IsFaulted || handles.IsCanceled)
        {
            var fresh = OpenAllAsync();
            handles = Interlocked.CompareExchange(ref _handles, fresh, handles) == handles ? fresh : _handles!;
        }
        return await handles.ConfigureAwait(false);
    }

    private async Task<Handles> OpenAllAsync() => new(
        await documents.GetContainerAsync(InstancesContainer).ConfigureAwait(false),
        await documents.GetContainerAsync(IndexContainer).ConfigureAwait(false),
        await blobs.GetContainerAsync(PayloadContainer).ConfigureAwait(false),
        await queues.GetQueueAsync(ControlQueue).ConfigureAwait(false),
        await queues.GetQueueAsync(WorkQueue).ConfigureAwait(false));

    /// <returns>null also for an id no instance can have (ids come from URLs).</returns>
    public async Task<(InstanceState State, string ETag)?> LoadAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        if (!DocumentRules.IsValidKey(instanceId))
            return null;
        var document = await (await OpenAsync().ConfigureAwait(false)).Instances.ReadAsync(instanceId, instanceId, cancellationToken).ConfigureAwait(false);
        return document is null ? null : (document.Deserialize<InstanceState>(), document.ETag);
    }

    /// <summary>Creates (when <paramref name="etag"/> is null) or replaces the instance document; returns the new ETag.</summary>
    /// <exception cref="DocumentConflictException">created concurrently by someone else.</exception>
    /// <exception cref="DocumentPreconditionFailedException">changed by someone else since it was read.</exception>
    public async Task<string> SaveAsync(InstanceState state, string? etag, CancellationToken cancellationToken = default)
    {
        var instances = (await OpenAsync().ConfigureAwait(false)).Instances;
        var written = etag is null
            ? await instances.CreateAsync(state.InstanceId, state.InstanceId, state, cancellationToken).ConfigureAwait(false)
            : await instances.ReplaceAsync(state.InstanceId, state.InstanceId, state, etag, cancellationToken).ConfigureAwait(false);
        return written.ETag;
    }

    public async Task<bool> DeleteInstanceAsync(string instanceId, string etag, CancellationToken cancellationToken = default) =>
        await (await OpenAsync().ConfigureAwait(false)).Instances.DeleteAsync(instanceId, instanceId, etag, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sends a message a committed step produced. A timer's delay is reckoned now, not when its step committed:
    /// an outbox published again after a crash must not push the timer back by the time the recovery took.
    /// </summary>
    public Task PublishAsync(OutboxMessage entry, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        SendAsync(entry.Queue, entry.Message, entry.Message.Event is TimerFired fired ? fired.FireAt - now.UtcDateTime : null, cancellationToken);

    public async Task SendAsync(string queue, WorkMessage message, TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        var handles = await OpenAsync().ConfigureAwait(false);
        var target = queue switch
        {
            ControlQueue => handles.Control,
            WorkQueue => handles.Work,
            _ => throw new ArgumentException($"'{queue}' is not a durable queue.", nameof(queue)),
        };
        var wait = delay is { } d && d > TimeSpan.Zero ? d : (TimeSpan?)null;
        var queued = message with { QueuedAt = time.GetUtcNow() + (wait ?? TimeSpan.Zero) };
        await target.EnqueueAsync(JsonSerializer.Serialize(queued, DocumentJson.Options), wait, cancellationToken).ConfigureAwait(false);
    }

    public async Task UpsertIndexAsync(InstanceState state, CancellationToken cancellationToken = default) =>
        await (await OpenAsync().ConfigureAwait(false)).Index.UpsertAsync(IndexPartition(state.CreatedAt), state.InstanceId,
            new IndexEntry(state.InstanceId, state.Name, state.Status, state.CreatedAt, state.LastUpdatedAt), cancellationToken).ConfigureAwait(false);

    public async Task DeleteIndexAsync(InstanceState state, CancellationToken cancellationToken = default) =>
        await (await OpenAsync().ConfigureAwait(false)).Index.DeleteAsync(IndexPartition(state.CreatedAt), state.InstanceId, cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task<DocumentPage> QueryIndexAsync(DateTimeOffset from, DateTimeOffset to, DocumentQuery query, int pageSize, string? continuationToken, Func<StoredDocument, bool>? keep, CancellationToken cancellationToken = default) =>
        await DailyPartitions.QueryAsync((await OpenAsync().ConfigureAwait(false)).Index, from, to, query, pageSize, continuationToken, keep: keep, cancellationToken: cancellationToken).ConfigureAwait(false);

    public static string IndexPartition(DateTimeOffset createdAt) => DailyPartitions.Key(createdAt);

    /// <summary>Keeps a large payload in a blob and returns the reference to store in its place.</summary>
    public async Task<string?> SpillAsync(string instanceId, string? payload, CancellationToken cancellationToken = default)
    {
        // A UTF-8 character takes at most 3 bytes per UTF-16 unit, so short strings need no count.
        if (payload is null || payload.Length * 3 <= InlinePayloadLimit || Encoding.UTF8.GetByteCount(payload) <= InlinePayloadLimit)
            return payload;
        var name = $"{instanceId}/{Guid.NewGuid():N}";
        await (await OpenAsync().ConfigureAwait(false)).Payloads.PutAsync(name, Encoding.UTF8.GetBytes(payload), new BlobPutOptions("application/json"), cancellationToken).ConfigureAwait(false);
        return BlobMarker + name;
    }

    public static bool IsSpilled(string? payload) => payload is not null && payload.StartsWith(BlobMarker, StringComparison.Ordinal);

    public async Task<string?> LoadPayloadAsync(string? payload, CancellationToken cancellationToken = default)
    {
        if (!IsSpilled(payload))
            return payload;
        var blob = await (await OpenAsync().ConfigureAwait(false)).Payloads.GetAsync(payload![BlobMarker.Length..], cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The payload blob '{payload[BlobMarker.Length..]}' is missing.");
        return Encoding.UTF8.GetString(blob.Content.Span);
    }

    public async Task DeletePayloadsAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        var payloads = (await OpenAsync().ConfigureAwait(false)).Payloads;
        var names = new List<string>();
        await foreach (var blob in payloads.ListAsync(instanceId + "/", cancellationToken).ConfigureAwait(false))
            names.Add(blob.Name);
        foreach (var name in names)
            await payloads.DeleteAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}

public sealed record IndexEntry(string InstanceId, string Name, OrchestrationRuntimeStatus Status, DateTimeOffset CreatedAt, DateTimeOffset LastUpdatedAt);
