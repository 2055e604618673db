namespace Commerce.Storage.Queues;

/// <summary>Queues of text messages with visibility timeouts, as Azure Storage queues behave.</summary>
public interface IQueueStore : IStoreHealthCheck
{
    string Adapter { get; }

    /// <summary>Opens a queue, creating it on first use. Names follow Azure's rules: 3-63 lowercase letters, digits and single hyphens.</summary>
    Task<IMessageQueue> GetQueueAsync(string name, CancellationToken cancellationToken = default);
}

public interface IMessageQueue
{
    string Name { get; }

    /// <summary>Adds a message, invisible for <paramref name="visibilityDelay"/> (any length; long delays are carried over).</summary>
    /// <returns>the message id.</returns>
    Task<string> EnqueueAsync(string message, TimeSpan? visibilityDelay = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds a message, visible at once, that is dropped <paramref name="timeToLive"/> after it was added if nobody has
    /// deleted it by then, as an Azure queue drops it: for messages that nobody in the app consumes (integration events
    /// for partners), which would otherwise pile up without end. Messages added by <see cref="EnqueueAsync"/> never expire.
    /// </summary>
    /// <returns>the message id.</returns>
    Task<string> EnqueueExpiringAsync(string message, TimeSpan timeToLive, CancellationToken cancellationToken = default);

    /// <summary>Takes up to <paramref name="maxMessages"/> visible messages and hides them for <paramref name="visibilityTimeout"/>.</summary>
    Task<IReadOnlyList<QueueMessage>> DequeueAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <exception cref="QueueMessageNotFoundException">already deleted, or the pop receipt is stale.</exception>
    Task DeleteAsync(QueueMessage message, CancellationToken cancellationToken = default);

    /// <summary>Hides the message for <paramref name="visibilityTimeout"/> from now (zero makes it visible at once).</summary>
    /// <returns>the message with its new pop receipt.</returns>
    /// <exception cref="QueueMessageNotFoundException">already deleted, or the pop receipt is stale.</exception>
    Task<QueueMessage> UpdateVisibilityAsync(QueueMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default);

    /// <summary>Visible and invisible messages together; Azure counts approximately.</summary>
    Task<int> GetApproximateCountAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until a message may have become available, or <paramref name="maxWait"/> passes. Embedded queues wake
    /// up as soon as this process enqueues; remote queues simply wait, so callers poll with back-off.
    /// </summary>
    Task WaitForMessagesAsync(TimeSpan maxWait, CancellationToken cancellationToken = default);
}

public sealed record QueueMessage(
    string MessageId,
    string PopReceipt,
    string Body,
    int DequeueCount,
    DateTimeOffset InsertedOn,
    DateTimeOffset NextVisibleOn)
{
    /// <summary>Where the body was parked when it was too large to travel inline; removed with the message.</summary>
    public string? PayloadBlob { get; init; }
}

public sealed class QueueMessageNotFoundException(string queue, string messageId)
    : Exception($"Message '{messageId}' is no longer held in queue '{queue}': it was deleted or its pop receipt is stale.");
