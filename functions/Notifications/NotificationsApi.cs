using System.Security.Claims;
using Commerce.Functions.Http;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Retention.Notifications;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Notifications;

/// <summary>The customer's in-app inbox and notification preferences; always the caller's own.</summary>
public static class NotificationsApi
{
    public static FunctionCatalog MapNotificationsApi(this FunctionCatalog functions)
    {
        functions.AddHttp("ListMyNotifications", "customers/me/notifications", ["GET"], List,
            configure: e => e.RequireCustomer().WithSummary("Your in-app messages, newest first, with their offer codes and whether you read them."));
        functions.AddHttp("ReadMyNotification", "customers/me/notifications/{id}/read", ["POST"], MarkRead,
            configure: e => e.RequireCustomer().WithSummary("Marks one of your messages read (once)."));
        functions.AddHttp("GetMyNotificationPreferences", "customers/me/notification-preferences", ["GET"], GetPreferences,
            configure: e => e.RequireCustomer().WithSummary("The channels you opted out of, your time zone for quiet hours, your phone for SMS."));
        functions.AddHttp("PutMyNotificationPreferences", "customers/me/notification-preferences", ["PUT"], PutPreferences,
            configure: e => e.RequireCustomer().WithSummary("Replaces your notification preferences. Order updates still come on every channel."));
        return functions;
    }

    public static async Task<Results<Ok<InboxPage>, ValidationProblem>> List(int? pageSize, string? continuationToken, ClaimsPrincipal user, NotificationStore store, CancellationToken cancellationToken)
    {
        if (pageSize is < 1 or > 100)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = ["must be between 1 and 100"] });
        try
        {
            var (items, next) = await store.InboxAsync(user.SubjectId()!, pageSize ?? 20, continuationToken, cancellationToken);
            return TypedResults.Ok(new InboxPage(items.Select(InboxMessage.From).ToList(), next));
        }
        catch (ArgumentException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = [e.Message] });
        }
    }

    public static async Task<Results<Ok<InboxMessage>, NotFound>> MarkRead(string id, ClaimsPrincipal user, NotificationDelivery delivery, CancellationToken cancellationToken) =>
        await delivery.MarkReadAsync(user.SubjectId()!, id, cancellationToken) is { } read ? TypedResults.Ok(InboxMessage.From(read)) : TypedResults.NotFound();

    public static async Task<Ok<NotificationPreferences>> GetPreferences(ClaimsPrincipal user, NotificationStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.PreferencesAsync(user.SubjectId()!, cancellationToken));

    public static async Task<Results<Ok<NotificationPreferences>, ValidationProblem>> PutPreferences(
        PreferencesRequest request, ClaimsPrincipal user, NotificationStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var optedOut = new List<NotificationChannel>();
        foreach (var name in request.OptedOut ?? [])
        {
            if (name is not null && EnumNames.TryParse<NotificationChannel>(name, out var channel))
                optedOut.Add(channel);
            else
                errors["optedOut"] = [$"'{name}' is not one of {EnumNames.List<NotificationChannel>()}"];
        }
        if (request.TimeZone is { } zone && (zone.Length > 64 || !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _)))
            errors["timeZone"] = ["must be an IANA time zone such as Europe/Paris"];
        if (request.Phone is { } phone && !(phone.Length is >= 8 and <= 16 && phone[0] == '+' && phone[1..].All(char.IsAsciiDigit)))
            errors["phone"] = ["must be an international number: + and 7 to 15 digits"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await store.PutPreferencesAsync(new NotificationPreferences(user.SubjectId()!)
        {
            OptedOut = optedOut.Distinct().ToList(),
            TimeZone = request.TimeZone,
            Phone = request.Phone,
            UpdatedAt = time.GetUtcNow(),
        }, cancellationToken));
    }
}

/// <param name="OptedOut">channels for marketing to stay off: email, sms, in_app.</param>
/// <param name="TimeZone">IANA time zone for quiet hours.</param>
/// <param name="Phone">for SMS, international format (+447700900123).</param>
public sealed record PreferencesRequest(IReadOnlyList<string?>? OptedOut, string? TimeZone, string? Phone);

/// <summary>An in-app message as the customer sees it.</summary>
public sealed record InboxMessage(string Id, string Topic, string Title, string Body, string? OfferCode, DateTimeOffset? OfferExpiresAt, IReadOnlyList<string> Items, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt)
{
    public static InboxMessage From(Notification n) =>
        new(n.Id, n.Topic, n.Content.Title, n.Content.Body, n.Content.OfferCode, n.Content.OfferExpiresAt, n.Content.Items, n.CreatedAt, n.ReadAt);
}

public sealed record InboxPage(IReadOnlyList<InboxMessage> Messages, string? ContinuationToken);
