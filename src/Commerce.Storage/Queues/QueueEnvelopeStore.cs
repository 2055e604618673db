using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Commerce.Storage.Blobs;

namespace Commerce.Storage.Queues;

public sealed class QueueEnvelopeOptions
{
    /// <summary>Bodies larger than this (UTF-8 bytes) travel through the blob store; Azure queues cap a message at 64 KiB.</summary>
    public int InlineLimitBytes { get; init; } = 48 * 1024;

    /// <summary>The longest delay the adapter takes natively; Azure queues allow 7 days.</summary>
    public TimeSpan MaxNativeDelay { get; init; } = TimeSpan.FromDays(7);
}

/// <summary>
/// Wraps a queue adapter so that every adapter behaves the same for large bodies (claim check in blob
/// storage) and for delays beyond the adapter's limit (the message hops until it is due). Messages that
/// need neither travel exactly as given, so other producers and consumers can share the queues.
/// </summary>
public sealed class QueueEnvelopeStore(IQueueStore adapter, IBlobStore blobs, QueueEnvelopeOptions options, TimeProvider? time = null) : IQueueStore
{
    public const string PayloadContainer = "queue-payloads";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Adapter => adapter.Adapter;

    public Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default) => adapter.CheckHealthAsync(cancellationToken);

    public async Task<IMessageQueue> GetQueueAsync(string name, CancellationToken cancellationToken = default) =>
        new EnvelopeQueue(this, await adapter.GetQueueAsync(name, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Opens a message received by someone else (the Azure Functions host): resolves a parked body, or, when the
    /// message is not yet due, sends it on its way again and returns null so the caller just completes it.
    /// </summary>
    public async Task<QueueMessage?> OpenAsync(string queueName, QueueMessage received, CancellationToken cancellationToken = default)
    {
        var queue = await adapter.GetQueueAsync(queueName, cancellationToken).ConfigureAwait(false);
        return await OpenAsync(queue, received, deleteWhenCarriedOver: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the parked body of a message that its consumer has completed (no-op for inline bodies).</summary>
    public async Task DeletePayloadAsync(QueueMessage message, CancellationToken cancellationToken = default)
    {
        if (message.PayloadBlob is null)
            return;
        var container = await blobs.GetContainerAsync(PayloadContainer, cancellationToken).ConfigureAwait(false);
        await container.DeleteAsync(message.PayloadBlob, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private async Task<string> EnqueueAsync(IMessageQueue queue, string message, TimeSpan? visibilityDelay, CancellationToken cancellationToken)
    {
        DateTimeOffset? visibleAt = null;
        var delay = visibilityDelay ?? TimeSpan.Zero;
        if (delay < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(visibilityDelay), "A delay cannot be negative.");
        if (delay > options.MaxNativeDelay)
        {
            visibleAt = _time.GetUtcNow() + delay;
            delay = options.MaxNativeDelay;
        }
        if (Encoding.UTF8.GetByteCount(message) <= options.InlineLimitBytes)
        {
            if (visibleAt is null)
                return await queue.EnqueueAsync(message, visibilityDelay, cancellationToken).ConfigureAwait(false);
            // Wrapped in an envelope the body is escaped as a JSON string and can outgrow the limit it fitted.
            var wrapped = JsonSerializer.Serialize(new Envelope(new EnvelopeHeader(null, visibleAt), message), EnvelopeJson.Default.Envelope);
            if (Encoding.UTF8.GetByteCount(wrapped) <= options.InlineLimitBytes)
                return await queue.EnqueueAsync(wrapped, delay, cancellationToken).ConfigureAwait(false);
        }

        var payloadBlob = $"{queue.Name}/{Guid.NewGuid():N}";
        var container = await blobs.GetContainerAsync(PayloadContainer, cancellationToken).ConfigureAwait(false);
        await container.PutAsync(payloadBlob, Encoding.UTF8.GetBytes(message), new BlobPutOptions("text/plain; charset=utf-8"), cancellationToken).ConfigureAwait(false);
        var envelope = new Envelope(new EnvelopeHeader(payloadBlob, visibleAt), null);
        return await queue.EnqueueAsync(JsonSerializer.Serialize(envelope, EnvelopeJson.Default.Envelope), delay, cancellationToken).ConfigureAwait(false);
    }

    // A body too large for the queue would be parked in a blob that nothing removes once its message expired: it goes
    // as a message that does not expire, so a large message is kept rather than half lost.
    private Task<string> EnqueueExpiringAsync(IMessageQueue queue, string message, TimeSpan timeToLive, CancellationToken cancellationToken) =>
        Encoding.UTF8.GetByteCount(message) <= options.InlineLimitBytes
            ? queue.EnqueueExpiringAsync(message, timeToLive, cancellationToken)
            : EnqueueAsync(queue, message, null, cancellationToken);

    private async Task<QueueMessage?> OpenAsync(IMessageQueue queue, QueueMessage received, bool deleteWhenCarriedOver, CancellationToken cancellationToken)
    {
        if (!received.Body.StartsWith(EnvelopeMarker, StringComparison.Ordinal))
            return received;
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(received.Body, EnvelopeJson.Default.Envelope);
        }
        catch (JsonException)
        {
            return received;
        }
        if (envelope?.Header is not { } header)
            return received;

        var remaining = header.VisibleAt is { } due ? due - _time.GetUtcNow() : TimeSpan.Zero;
        if (remaining > TimeSpan.Zero)
        {
            // Not due yet: send the same envelope on for the next leg, then drop this copy.
            await queue.EnqueueAsync(received.Body, remaining < options.MaxNativeDelay ? remaining : options.MaxNativeDelay, cancellationToken).ConfigureAwait(false);
            if (deleteWhenCarriedOver)
                await queue.DeleteAsync(received, cancellationToken).ConfigureAwait(false);
            return null;
        }
        if (header.Blob is null)
            return received with { Body = envelope.Body ?? "" };

        var container = await blobs.GetContainerAsync(PayloadContainer, cancellationToken).ConfigureAwait(false);
        var payload = await container.GetAsync(header.Blob, cancellationToken).ConfigureAwait(false);
        // A missing payload leaves the envelope as the body, which its consumer rejects into the poison queue.
        return payload is null
            ? received
            : received with { Body = Encoding.UTF8.GetString(payload.Content.Span), PayloadBlob = header.Blob };
    }

    private const string EnvelopeMarker = "{\"$queueEnvelope\":";

    internal sealed record Envelope(
        [property: JsonPropertyName("$queueEnvelope")] EnvelopeHeader Header,
        [property: JsonPropertyName("body")] string? Body);

    internal sealed record EnvelopeHeader(
        [property: JsonPropertyName("blob")] string? Blob,
        [property: JsonPropertyName("visibleAt")] DateTimeOffset? VisibleAt);

    private sealed class EnvelopeQueue(QueueEnvelopeStore store, IMessageQueue inner) : IMessageQueue
    {
        public string Name => inner.Name;

        public Task<string> EnqueueAsync(string message, TimeSpan? visibilityDelay = null, CancellationToken cancellationToken = default) =>
            store.EnqueueAsync(inner, message, visibilityDelay, cancellationToken);

        public Task<string> EnqueueExpiringAsync(string message, TimeSpan timeToLive, CancellationToken cancellationToken = default) =>
            store.EnqueueExpiringAsync(inner, message, timeToLive, cancellationToken);

        public async Task<IReadOnlyList<QueueMessage>> DequeueAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
        {
            var received = await inner.DequeueAsync(maxMessages, visibilityTimeout, cancellationToken).ConfigureAwait(false);
            var opened = new List<QueueMessage>(received.Count);
            foreach (var message in received)
            {
                if (await store.OpenAsync(inner, message, deleteWhenCarriedOver: true, cancellationToken).ConfigureAwait(false) is { } ready)
                    opened.Add(ready);
            }
            return opened;
        }

        public async Task DeleteAsync(QueueMessage message, CancellationToken cancellationToken = default)
        {
            await inner.DeleteAsync(message, cancellationToken).ConfigureAwait(false);
            await store.DeletePayloadAsync(message, cancellationToken).ConfigureAwait(false);
        }

        public async Task<QueueMessage> UpdateVisibilityAsync(QueueMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
        {
            var updated = await inner.UpdateVisibilityAsync(message, visibilityTimeout, cancellationToken).ConfigureAwait(false);
            return updated with { Body = message.Body, PayloadBlob = message.PayloadBlob };
        }

        public Task<int> GetApproximateCountAsync(CancellationToken cancellationToken = default) => inner.GetApproximateCountAsync(cancellationToken);

        public Task WaitForMessagesAsync(TimeSpan maxWait, CancellationToken cancellationToken = default) => inner.WaitForMessagesAsync(maxWait, cancellationToken);
    }
}

[JsonSerializable(typeof(QueueEnvelopeStore.Envelope))]
internal sealed partial class EnvelopeJson : JsonSerializerContext;
