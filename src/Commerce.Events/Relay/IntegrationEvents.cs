using System.Net.Mime;
using System.Text.Json;
using System.Text.Json.Serialization;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Extensions;
using CloudNative.CloudEvents.SystemTextJson;
using Commerce.Events.Outbox;

namespace Commerce.Events.Relay;

/// <summary>
/// A system event as it leaves the system: a CloudEvents 1.0 JSON document (structured mode) and what a broker
/// needs beside it. <see cref="Id"/> is the outbox record's id, so a message relayed twice carries the same id.
/// </summary>
/// <param name="CorrelationId">the order the event is about, when it is about one.</param>
public sealed record IntegrationMessage(string Id, string Type, string Subject, long Sequence, string? CorrelationId, ReadOnlyMemory<byte> Body)
{
    public const string ContentType = "application/cloudevents+json; charset=utf-8";
}

/// <summary>The CloudEvents form of system events: one place for their type names, source and data.</summary>
public sealed class IntegrationEventFormat(Uri source)
{
    /// <summary>Where integration events go: the Service Bus topic in Azure, the storage queue locally.</summary>
    public const string Destination = "commerce-events";

    /// <summary>Reverse-DNS prefix of every type, as the CloudEvents spec recommends: com.commerce.order_placed.</summary>
    public const string TypePrefix = "com.commerce.";

    private static readonly JsonSerializerOptions DataOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly JsonEventFormatter Formatter = new(DataOptions, default);

    public Uri Source { get; } = source;

    public IntegrationMessage ToMessage(SystemEvent recorded)
    {
        var cloudEvent = new CloudEvent
        {
            Id = recorded.Id,
            Type = TypePrefix + recorded.Type,
            Source = Source,
            Subject = recorded.Subject,
            Time = recorded.Time,
            DataContentType = MediaTypeNames.Application.Json,
            Data = JsonSerializer.SerializeToElement(recorded, DataOptions),
        };
        // The subject's record number lets a consumer put events of one order back in order, or spot a gap.
        cloudEvent.SetSequence(checked((int)recorded.Sequence));
        var body = Formatter.EncodeStructuredModeMessage(cloudEvent, out _);
        return new IntegrationMessage(recorded.Id, cloudEvent.Type, recorded.Subject, recorded.Sequence, recorded.OrderId, body);
    }
}
