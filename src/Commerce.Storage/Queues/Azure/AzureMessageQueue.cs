using System.Text;
using System.Xml;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Commerce.Storage.Queues.Azure;

internal sealed class AzureMessageQueue(QueueClient client) : IMessageQueue
{
    /// <summary>The service's limits: 7 days of invisibility, 32 messages per Get Messages, 64 KiB of text.</summary>
    private static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromDays(7);
    private const int MaxBatch = 32;
    private const int MaxMessageBytes = 64 * 1024;

    /// <summary>Never expire: durable timers and long-delayed messages wait in the queue for as long as they need.</summary>
    private static readonly TimeSpan NeverExpire = TimeSpan.FromSeconds(-1);

    public string Name => client.Name;

    public Task<string> EnqueueAsync(string message, TimeSpan? visibilityDelay = null, CancellationToken cancellationToken = default)
    {
        var delay = visibilityDelay ?? TimeSpan.Zero;
        if (delay < TimeSpan.Zero || delay > MaxVisibilityTimeout)
            throw new ArgumentOutOfRangeException(nameof(visibilityDelay), delay, "Azure queues delay a message by 0 to 7 days; QueueEnvelopeStore carries longer delays.");
        return SendAsync(message, delay, NeverExpire, cancellationToken);
    }

    public Task<string> EnqueueExpiringAsync(string message, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        // The service counts whole seconds.
        if (timeToLive < TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(timeToLive), timeToLive, "Azure queue messages live at least a second.");
        return SendAsync(message, TimeSpan.Zero, WholeSeconds(timeToLive), cancellationToken);
    }

    private async Task<string> SendAsync(string message, TimeSpan delay, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Encoding.UTF8.GetByteCount(message) > MaxMessageBytes)
            throw new ArgumentException($"The message has more than {MaxMessageBytes / 1024} KiB of UTF-8, the most an Azure queue message holds; QueueEnvelopeStore parks larger bodies in blobs.", nameof(message));
        try
        {
            XmlConvert.VerifyXmlChars(message);
        }
        catch (XmlException)
        {
            throw new ArgumentException("The message contains a character that XML, and so an Azure queue message without base64, cannot carry (a control character or a lone surrogate).", nameof(message));
        }

        var receipt = await client.SendMessageAsync(message, WholeSeconds(delay), timeToLive, cancellationToken).ConfigureAwait(false);
        return receipt.Value.MessageId;
    }

    public async Task<IReadOnlyList<QueueMessage>> DequeueAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        if (visibilityTimeout < TimeSpan.Zero || visibilityTimeout > MaxVisibilityTimeout)
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), visibilityTimeout, "Azure queues hide a message for up to 7 days.");
        // The service hides for at least a second.
        var hidden = WholeSeconds(visibilityTimeout < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : visibilityTimeout);

        var received = new List<QueueMessage>();
        while (received.Count < maxMessages)
        {
            var wanted = Math.Min(MaxBatch, maxMessages - received.Count);
            var batch = (await client.ReceiveMessagesAsync(wanted, hidden, cancellationToken).ConfigureAwait(false)).Value;
            received.AddRange(batch.Select(m => new QueueMessage(
                m.MessageId,
                m.PopReceipt,
                m.Body.ToString(),
                (int)m.DequeueCount,
                m.InsertedOn ?? throw new InvalidDataException($"A message received from queue '{Name}' has no insertion time."),
                m.NextVisibleOn ?? throw new InvalidDataException($"A message received from queue '{Name}' has no next-visible time."))));
            if (batch.Length < wanted)
                break;
        }
        return received;
    }

    public async Task DeleteAsync(QueueMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            await client.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (IsGone(e))
        {
            throw new QueueMessageNotFoundException(Name, message.MessageId);
        }
    }

    public async Task<QueueMessage> UpdateVisibilityAsync(QueueMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (visibilityTimeout < TimeSpan.Zero || visibilityTimeout > MaxVisibilityTimeout)
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), visibilityTimeout, "Azure queues hide a message for 0 to 7 days.");
        try
        {
            // Without a body, Update Message changes the visibility only and keeps the text.
            var receipt = (await client.UpdateMessageAsync(message.MessageId, message.PopReceipt, (BinaryData?)null, WholeSeconds(visibilityTimeout), cancellationToken).ConfigureAwait(false)).Value;
            return message with { PopReceipt = receipt.PopReceipt, NextVisibleOn = receipt.NextVisibleOn };
        }
        catch (RequestFailedException e) when (IsGone(e))
        {
            throw new QueueMessageNotFoundException(Name, message.MessageId);
        }
    }

    public async Task<int> GetApproximateCountAsync(CancellationToken cancellationToken = default)
    {
        var properties = (await client.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value;
        return (int)Math.Min(properties.ApproximateMessagesCountLong, int.MaxValue);
    }

    public Task WaitForMessagesAsync(TimeSpan maxWait, CancellationToken cancellationToken = default) => Task.Delay(maxWait, cancellationToken);

    private static bool IsGone(RequestFailedException e) =>
        (e.Status, e.ErrorCode) is (404, "MessageNotFound") or (400 or 404, "PopReceiptMismatch");

    /// <summary>The service counts in whole seconds (the SDK truncates); rounded up so that nothing becomes visible earlier than asked.</summary>
    private static TimeSpan WholeSeconds(TimeSpan value) => TimeSpan.FromSeconds((value.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond);
}
