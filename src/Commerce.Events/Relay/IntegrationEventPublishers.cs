using Azure.Messaging.ServiceBus;
using Commerce.Storage.Queues;

namespace Commerce.Events.Relay;

/// <summary>Where the relay hands integration events over.</summary>
public interface IIntegrationEventPublisher
{
    /// <summary>Sends one subject's messages in the order given; returns once the transport holds all of them.</summary>
    Task PublishAsync(IReadOnlyList<IntegrationMessage> messages, CancellationToken cancellationToken = default);
}

/// <summary>
/// The storage queue commerce-events (embedded and azurite presets), through the app's queue port. A queue
/// message cannot carry an id of its own choosing, so consumers recognise a repeat by the CloudEvent id. Nothing in
/// the app reads this queue, so each message expires after <paramref name="timeToLive"/> (an Azure queue's default is
/// seven days) instead of piling up when no partner does either.
/// </summary>
public sealed class QueueEventPublisher(IQueueStore queues, TimeSpan timeToLive) : IIntegrationEventPublisher
{
    private IMessageQueue? _queue;

    public async Task PublishAsync(IReadOnlyList<IntegrationMessage> messages, CancellationToken cancellationToken = default)
    {
        var queue = _queue ??= await queues.GetQueueAsync(IntegrationEventFormat.Destination, cancellationToken).ConfigureAwait(false);
        foreach (var message in messages)
            await queue.EnqueueExpiringAsync(System.Text.Encoding.UTF8.GetString(message.Body.Span), timeToLive, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The Service Bus topic commerce-events (azure preset), which detects duplicates by message id.</summary>
public sealed class ServiceBusEventPublisher(ServiceBusSender sender) : IIntegrationEventPublisher
{
    public async Task PublishAsync(IReadOnlyList<IntegrationMessage> messages, CancellationToken cancellationToken = default)
    {
        // A send takes its messages whole and in order; chunks keep a long stream (a SKU's stock-outs) under the batch size.
        foreach (var chunk in messages.Chunk(100))
            await sender.SendMessagesAsync(chunk.Select(ToServiceBusMessage), cancellationToken).ConfigureAwait(false);
    }

    public static ServiceBusMessage ToServiceBusMessage(IntegrationMessage message) => new(message.Body)
    {
        MessageId = message.Id,
        Subject = message.Type,
        CorrelationId = message.CorrelationId,
        ContentType = IntegrationMessage.ContentType,
    };
}
