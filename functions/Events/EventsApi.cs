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
        var (buffer, length) = await EventBatchReader.BufferAsync(request, cancellationToken);
        ReadBatch read;
        try
        {
            read = EventBatchReader.Read(buffer.AsSpan(0, length), signedIn ? user.SubjectId() : null);
        }
        // The reader throws InvalidOperationException for an escaped lone surrogate (\ud800), which is not text either.
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [$"is not valid JSON: {e.Message}"] });
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        if (read.Errors.ContainsKey("events") || read.Errors.ContainsKey("body"))
            return TypedResults.ValidationProblem(read.Errors);

        var receivedAt = time.GetUtcNow();
        var seen = new HashSet<(string, string?)>();
        var accepted = read.Events.Where(e => seen.Add((e.Id, e.DeviceId))).Select(e => rules.Clamp(e, receivedAt)).ToList();
        if (accepted.Count > 0)
            await inbox.AppendAsync(accepted, receivedAt, cancellationToken);
        if (read.Errors.Count > 0)
            return TypedResults.ValidationProblem(read.Errors,
                detail: $"{accepted.Count} of {read.Total} events were recorded; the others are named below and were not.",
                extensions: new Dictionary<string, object?> { ["accepted"] = accepted.Count });
        return TypedResults.Accepted((string?)null, new EventsAccepted(accepted.Count));
    }
}
