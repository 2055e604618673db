using System.Globalization;
using System.Text.Json;
using Commerce.Hosting.Functions;
using Commerce.Hosting.Queues;
using Commerce.Hosting.Timers;
using Commerce.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Commerce.Hosting.CustomHandler;

/// <summary>
/// The Azure Functions custom handler protocol for non-HTTP functions: the host posts
/// {"Data":{...},"Metadata":{...}} to /&lt;FunctionName&gt; and reads {"Outputs":{},"Logs":[],"ReturnValue":null};
/// any non-2xx answer counts as a failed invocation (the host then retries and poisons queue messages). Only the
/// host calls these, so no client rate limit applies.
/// </summary>
public static class CustomHandlerEndpoints
{
    public const string TimerBinding = "timer";
    public const string QueueBinding = "message";

    public static void MapCustomHandlerEndpoints(this IEndpointRouteBuilder endpoints, FunctionCatalog catalog)
    {
        foreach (var timer in catalog.Timers())
            endpoints.MapPost("/" + timer.Name, (InvocationRequest request, FunctionInvoker invoker, CancellationToken cancellationToken) => InvokeTimerAsync(timer, request, invoker, cancellationToken))
                .ExcludeFromDescription()
                .DisableRateLimiting();
        foreach (var queue in catalog.Queues())
            endpoints.MapPost("/" + queue.Name, (InvocationRequest request, QueueMessageHandler handler, QueueEnvelopeStore envelopes, CancellationToken cancellationToken) => InvokeQueueAsync(queue, request, handler, envelopes, cancellationToken))
                .ExcludeFromDescription()
                .DisableRateLimiting();
    }

    private static async Task<IResult> InvokeTimerAsync(TimerFunction function, InvocationRequest request, FunctionInvoker invoker, CancellationToken cancellationToken)
    {
        var info = new TimerInfo(null, false);
        if (request.Data?.TryGetValue(TimerBinding, out var timer) == true && timer.ValueKind == JsonValueKind.Object)
        {
            info = new TimerInfo(
                TryGet(timer, "ScheduleStatus", out var status) && status.ValueKind == JsonValueKind.Object
                    ? new TimerScheduleStatus(Time(status, "Last"), Time(status, "Next"), Time(status, "LastUpdated"))
                    : null,
                TryGet(timer, "IsPastDue", out var pastDue) && pastDue.ValueKind == JsonValueKind.True);
        }
        try
        {
            await invoker.InvokeTimerAsync(function, info, cancellationToken);
            return Answer(StatusCodes.Status200OK);
        }
        catch (Exception e)
        {
            return Answer(StatusCodes.Status500InternalServerError, $"{function.Name} failed: {e.Message}");
        }
    }

    private static async Task<IResult> InvokeQueueAsync(QueueFunction function, InvocationRequest request, QueueMessageHandler handler, QueueEnvelopeStore envelopes, CancellationToken cancellationToken)
    {
        if (request.Data?.TryGetValue(QueueBinding, out var data) != true)
            return Answer(StatusCodes.Status400BadRequest, $"Data.{QueueBinding} is missing.");
        var body = data.ValueKind == JsonValueKind.String ? data.GetString()! : data.GetRawText();
        var metadata = request.Metadata ?? [];
        var received = new QueueMessage(
            MetadataText(metadata, "Id") ?? Guid.NewGuid().ToString(),
            MetadataText(metadata, "PopReceipt") ?? "",
            body,
            int.TryParse(MetadataText(metadata, "DequeueCount"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : 1,
            DateTimeOffset.TryParse(MetadataText(metadata, "InsertionTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var inserted) ? inserted : DateTimeOffset.UtcNow,
            DateTimeOffset.UtcNow);

        var message = await envelopes.OpenAsync(function.QueueName, received, cancellationToken);
        if (message is null)
            return Answer(StatusCodes.Status200OK, "not due yet; sent on for its next leg");
        var result = await handler.InvokeAsync(function, message, cancellationToken);
        switch (result.Outcome)
        {
            case QueueOutcome.Failed:
                return Answer(StatusCodes.Status500InternalServerError, $"{function.Name} failed: {result.Reason}");
            case QueueOutcome.InvalidMessage:
                return Answer(StatusCodes.Status200OK, $"moved to {function.PoisonQueueName}: {result.Reason}");
            default:
                await envelopes.DeletePayloadAsync(message, cancellationToken);
                return Answer(StatusCodes.Status200OK);
        }
    }

    private static IResult Answer(int status, string? log = null) =>
        Results.Json(new InvocationResponse(new Dictionary<string, object?>(), log is null ? [] : [log], null), ProtocolJson, statusCode: status);

    private static readonly JsonSerializerOptions ProtocolJson = new(JsonSerializerDefaults.General);

    private static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    private static DateTimeOffset Time(JsonElement element, string name) =>
        TryGet(element, name, out var value) && value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : DateTimeOffset.MinValue;

    private static string? MetadataText(Dictionary<string, JsonElement> metadata, string name)
    {
        var match = metadata.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase));
        return match.Key is null ? null : match.Value.ValueKind switch
        {
            JsonValueKind.String => match.Value.GetString(),
            JsonValueKind.Number => match.Value.GetRawText(),
            _ => null,
        };
    }
}

public sealed record InvocationRequest(Dictionary<string, JsonElement>? Data, Dictionary<string, JsonElement>? Metadata);

/// <summary>Property names are PascalCase on the wire, as the host expects.</summary>
public sealed record InvocationResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("Outputs")] Dictionary<string, object?> Outputs,
    [property: System.Text.Json.Serialization.JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: System.Text.Json.Serialization.JsonPropertyName("ReturnValue")] object? ReturnValue);
