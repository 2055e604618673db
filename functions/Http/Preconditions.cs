using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Http;

/// <summary>Optimistic concurrency over HTTP: If-Match is required to change a resource (428 without, 412 when stale).</summary>
public static class Preconditions
{
    public static string? IfMatch(HttpRequest request) =>
        request.Headers.IfMatch.ToString() is { Length: > 0 } value ? value.Trim() : null;

    public static ProblemHttpResult Required(string resource) => TypedResults.Problem(
        statusCode: StatusCodes.Status428PreconditionRequired,
        title: "If-Match required",
        detail: $"Send the {resource}'s current ETag in If-Match, so that another change is not overwritten.");

    public static ProblemHttpResult Failed(string resource) => TypedResults.Problem(
        statusCode: StatusCodes.Status412PreconditionFailed,
        title: "Changed since you read it",
        detail: $"The {resource} has changed since the ETag in If-Match; read it again and re-apply your change.");

    /// <summary>True when the client's copy (If-None-Match) is current: answer 304.</summary>
    public static bool NotModified(HttpRequest request, string etag) =>
        request.Headers.IfNoneMatch.ToString() is { Length: > 0 } header
        && header.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t == etag || t == "W/" + etag);

    public static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);
}
