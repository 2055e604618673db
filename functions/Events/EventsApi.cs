using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Commerce.Events.Behaviour;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Events;

/// <summary>One behaviour event as a client sends it; <c>type</c> decides which of the typed properties it needs.</summary>
public sealed record ClientEventRequest(string Id, string Type, DateTimeOffset Timestamp, string? DeviceId, string? Sku, string? Query, string? Slot, int? Position, string? Experiment, string? Variant);

/// <summary>Up to 500 events; <c>deviceId</c> applies to those that carry none.</summary>
public sealed record EventBatchRequest(string? DeviceId, IReadOnlyList<ClientEventRequest> Events);

public sealed record EventsAccepted(int Accepted);

/// <summary>
/// Behaviour events from web and mobile clients, signed in (the token names the customer) or anonymous (a
/// device id). The valid events of a batch are stored even when others are not: the answer is then a 400
/// naming each bad event by its index, with the number accepted, and sending the whole batch again after
/// fixing it stores each event once (events are recognised by their id).
/// </summary>
public static class EventsApi
{
    public static FunctionCatalog MapEventsApi(this FunctionCatalog functions)
    {
        functions.AddHttp("PostEvents", "events", ["POST"], Post, configure: e => e
            .Accepts<EventBatchRequest>("application/json")
            .WithSummary("Records a batch of up to 500 behaviour events (product_viewed, search, added_to_cart, removed_from_cart, checkout_started, recommendation_shown, recommendation_clicked, notification_opened) for the signed-in customer or an anonymous deviceId."));
        return functions;
    }

    public static async Task<Results<Accepted<EventsAccepted>, ValidationProblem, ProblemHttpResult>> Post(
        HttpRequest request, ClaimsPrincipal user, EventInbox inbox, ClientEventRules rules, TimeProvider time, CancellationToken cancellationToken)
    {
        var signedIn = user.Identity?.IsAuthenticated == true;
        if (!signedIn && request.Headers.Authorization.Count > 0)
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Token not accepted",
                detail: "The bearer token is invalid or expired; sign in again, or send the events without a token for an anonymous device.");
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"is not valid JSON: {e.Message}"] });
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("events", out var list) || list.ValueKind != JsonValueKind.Array)
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["events"] = ["is required: an array of events"] });
            if (list.GetArrayLength() is 0 or > ClientEventRules.MaxBatch)
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["events"] = [$"must hold 1 to {ClientEventRules.MaxBatch} events"] });
            var errors = new Dictionary<string, string[]>();
            var batchDevice = Text(root, "deviceId", "deviceId", errors, ClientEventRules.MaxIdLength * 2);
            var customer = signedIn ? user.SubjectId() : null;
            var receivedAt = time.GetUtcNow();
            var accepted = new List<BehaviourEvent>(list.GetArrayLength());
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var index = 0;
            foreach (var element in list.EnumerateArray())
            {
                var prefix = $"events[{index++}]";
                if (Read(element, prefix, customer, batchDevice, errors) is { } read && seen.Add(read.Id + "|" + read.DeviceId))
                    accepted.Add(rules.Clamp(read, receivedAt));
            }
            if (accepted.Count > 0)
                await inbox.AppendAsync(accepted, receivedAt, cancellationToken);
            if (errors.Count > 0)
                return TypedResults.ValidationProblem(errors,
                    detail: $"{accepted.Count} of {list.GetArrayLength()} events were recorded; the others are named below and were not.",
                    extensions: new Dictionary<string, object?> { ["accepted"] = accepted.Count });
            return TypedResults.Accepted((string?)null, new EventsAccepted(accepted.Count));
        }
    }

    /// <summary>One event, or null with its problems added to <paramref name="errors"/> under "events[i].field".</summary>
    private static BehaviourEvent? Read(JsonElement element, string prefix, string? customer, string? batchDevice, Dictionary<string, string[]> errors)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            errors[prefix] = ["must be an object"];
            return null;
        }
        var before = errors.Count;
        var id = Text(element, "id", $"{prefix}.id", errors, ClientEventRules.MaxIdLength, required: true);
        var type = Text(element, "type", $"{prefix}.type", errors, ClientEventRules.MaxIdLength, required: true);
        DateTimeOffset? timestamp = null;
        if (Text(element, "timestamp", $"{prefix}.timestamp", errors, 64, required: true) is { } stamp)
        {
            if (DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                timestamp = parsed;
            else
                errors[$"{prefix}.timestamp"] = ["must be an ISO 8601 date and time"];
        }
        int? position = null;
        if (element.TryGetProperty("position", out var p) && p.ValueKind != JsonValueKind.Null)
        {
            if (p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var number))
                position = number;
            else
                errors[$"{prefix}.position"] = ["must be a whole number"];
        }
        var candidate = new BehaviourEvent(id ?? "", type ?? "", timestamp ?? default, customer,
            Text(element, "deviceId", $"{prefix}.deviceId", errors, ClientEventRules.MaxIdLength * 2) ?? batchDevice)
        {
            Sku = Text(element, "sku", $"{prefix}.sku", errors, ClientEventRules.MaxIdLength),
            Query = Text(element, "query", $"{prefix}.query", errors, ClientEventRules.MaxTextLength),
            Slot = Text(element, "slot", $"{prefix}.slot", errors, ClientEventRules.MaxIdLength),
            Position = position,
            Experiment = Text(element, "experiment", $"{prefix}.experiment", errors, ClientEventRules.MaxIdLength),
            Variant = Text(element, "variant", $"{prefix}.variant", errors, ClientEventRules.MaxIdLength),
        };
        if (errors.Count > before)
            return null;
        foreach (var (field, problem) in ClientEventRules.Problems(candidate))
            errors[$"{prefix}.{field}"] = errors.TryGetValue($"{prefix}.{field}", out var existing) ? [.. existing, problem] : [problem];
        return errors.Count > before ? null : candidate;
    }

    private static string? Text(JsonElement element, string name, string field, Dictionary<string, string[]> errors, int maxLength, bool required = false)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
                errors[field] = ["is required"];
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            errors[field] = ["must be a string"];
            return null;
        }
        var text = value.GetString()!;
        if (text.Length > maxLength)
        {
            errors[field] = [$"must have at most {maxLength} characters"];
            return null;
        }
        return text;
    }
}
