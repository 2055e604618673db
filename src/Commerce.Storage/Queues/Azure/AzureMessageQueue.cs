using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Commerce.Storage.AzureStorage;

namespace Commerce.Storage.Queues.Azure;

internal sealed class AzureMessageQueue(StorageServiceClient client, string name) : IMessageQueue
{
    /// <summary>The service's limits: 7 days of invisibility, 32 messages per Get Messages, 64 KiB of text.</summary>
    private static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromDays(7);
    private const int MaxBatch = 32;
    private const int MaxMessageBytes = 64 * 1024;

    private static readonly XmlWriterSettings BodySettings = new()
    {
        OmitXmlDeclaration = true,
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        // Written as &#xD;, a carriage return survives the service's XML parser instead of becoming a line feed.
        NewLineHandling = NewLineHandling.Entitize,
    };

    public string Name => name;

    public async Task<string> EnqueueAsync(string message, TimeSpan? visibilityDelay = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var delay = visibilityDelay ?? TimeSpan.Zero;
        if (delay < TimeSpan.Zero || delay > MaxVisibilityTimeout)
            throw new ArgumentOutOfRangeException(nameof(visibilityDelay), delay, "Azure queues delay a message by 0 to 7 days; QueueEnvelopeStore carries longer delays.");
        if (Encoding.UTF8.GetByteCount(message) > MaxMessageBytes)
            throw new ArgumentException($"The message has more than {MaxMessageBytes / 1024} KiB of UTF-8, the most an Azure queue message holds; QueueEnvelopeStore parks larger bodies in blobs.", nameof(message));

        using var request = client.CreateMessage(RequestMethod.Post, $"{name}/messages");
        request.Request.Uri.AppendQuery("visibilitytimeout", Seconds(delay));
        // Never expire: durable timers and long-delayed messages wait in the queue for as long as they need.
        request.Request.Uri.AppendQuery("messagettl", "-1");
        request.Request.Content = RequestContent.Create(MessageBody(message));
        var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Status != 201)
            throw client.Failure(response, $"adding a message to queue '{name}'");
        return StorageServiceClient.ReadXml(response).Root?.Element("QueueMessage")?.Element("MessageId")?.Value
            ?? throw new InvalidDataException($"The answer to Put Message on queue '{name}' has no MessageId.");
    }

    public async Task<IReadOnlyList<QueueMessage>> DequeueAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        if (visibilityTimeout < TimeSpan.Zero || visibilityTimeout > MaxVisibilityTimeout)
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), visibilityTimeout, "Azure queues hide a message for up to 7 days.");
        // The service hides for at least a second.
        var seconds = Seconds(visibilityTimeout < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : visibilityTimeout);

        var received = new List<QueueMessage>();
        while (received.Count < maxMessages)
        {
            var wanted = Math.Min(MaxBatch, maxMessages - received.Count);
            using var request = client.CreateMessage(RequestMethod.Get, $"{name}/messages");
            request.Request.Uri.AppendQuery("numofmessages", wanted.ToString(CultureInfo.InvariantCulture));
            request.Request.Uri.AppendQuery("visibilitytimeout", seconds);
            var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.Status != 200)
                throw client.Failure(response, $"receiving messages from queue '{name}'");
            var batch = (StorageServiceClient.ReadXml(response).Root?.Elements("QueueMessage") ?? []).Select(Parse).ToList();
            received.AddRange(batch);
            if (batch.Count < wanted)
                break;
        }
        return received;
    }

    public async Task DeleteAsync(QueueMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var request = client.CreateMessage(RequestMethod.Delete, MessagePath(message));
        request.Request.Uri.AppendQuery("popreceipt", message.PopReceipt);
        var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Status != 204)
            throw Failure(response, message, "deleting");
    }

    public async Task<QueueMessage> UpdateVisibilityAsync(QueueMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (visibilityTimeout < TimeSpan.Zero || visibilityTimeout > MaxVisibilityTimeout)
            throw new ArgumentOutOfRangeException(nameof(visibilityTimeout), visibilityTimeout, "Azure queues hide a message for 0 to 7 days.");
        // Without a body, Update Message changes the visibility only and keeps the text.
        using var request = client.CreateMessage(RequestMethod.Put, MessagePath(message));
        request.Request.Uri.AppendQuery("popreceipt", message.PopReceipt);
        request.Request.Uri.AppendQuery("visibilitytimeout", Seconds(visibilityTimeout));
        var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Status != 204)
            throw Failure(response, message, "updating the visibility of");
        return message with
        {
            PopReceipt = StorageServiceClient.Header(response, "x-ms-popreceipt"),
            NextVisibleOn = StorageServiceClient.ParseDate(StorageServiceClient.Header(response, "x-ms-time-next-visible")),
        };
    }

    public async Task<int> GetApproximateCountAsync(CancellationToken cancellationToken = default)
    {
        using var request = client.CreateMessage(RequestMethod.Get, name);
        request.Request.Uri.AppendQuery("comp", "metadata");
        var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Status != 200)
            throw client.Failure(response, $"reading the metadata of queue '{name}'");
        var count = long.Parse(StorageServiceClient.Header(response, "x-ms-approximate-messages-count"), CultureInfo.InvariantCulture);
        return (int)Math.Min(count, int.MaxValue);
    }

    public Task WaitForMessagesAsync(TimeSpan maxWait, CancellationToken cancellationToken = default) => Task.Delay(maxWait, cancellationToken);

    private string MessagePath(QueueMessage message) => $"{name}/messages/{Uri.EscapeDataString(message.MessageId)}";

    private Exception Failure(Response response, QueueMessage message, string action) =>
        (response.Status, StorageServiceClient.ErrorCode(response)) switch
        {
            (404, "MessageNotFound") or (400 or 404, "PopReceiptMismatch") => new QueueMessageNotFoundException(name, message.MessageId),
            _ => client.Failure(response, $"{action} message '{message.MessageId}' in queue '{name}'"),
        };

    private static string Seconds(TimeSpan value) => StorageServiceClient.CeilingSeconds(value).ToString(CultureInfo.InvariantCulture);

    private static byte[] MessageBody(string message)
    {
        try
        {
            XmlConvert.VerifyXmlChars(message);
        }
        catch (XmlException)
        {
            throw new ArgumentException("The message contains a character that XML, and so an Azure queue message without base64, cannot carry (a control character or a lone surrogate).", nameof(message));
        }
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, BodySettings))
            new XElement("QueueMessage", new XElement("MessageText", message)).Save(writer);
        return buffer.ToArray();
    }

    private static QueueMessage Parse(XElement message)
    {
        string Value(string key) => message.Element(key)?.Value ?? throw new InvalidDataException($"A received queue message has no {key}.");
        return new QueueMessage(
            Value("MessageId"),
            Value("PopReceipt"),
            Value("MessageText"),
            int.Parse(Value("DequeueCount"), CultureInfo.InvariantCulture),
            StorageServiceClient.ParseDate(Value("InsertionTime")),
            StorageServiceClient.ParseDate(Value("TimeNextVisible")));
    }
}
