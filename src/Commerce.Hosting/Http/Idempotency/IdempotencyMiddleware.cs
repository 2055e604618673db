using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Commerce.Hosting.Functions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Commerce.Hosting.Http.Idempotency;

/// <param name="Lease">how long a request holds its key before a retry may take over (it should outlast the slowest request).</param>
public sealed record IdempotencyOptions(TimeSpan Lease);

/// <summary>Endpoint metadata: this endpoint requires an Idempotency-Key header and replays its first success.</summary>
public sealed record IdempotencyKeyRequired;

public static class IdempotencyExtensions
{
    public const string KeyHeader = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const string CleanupFunction = "IdempotencyCleanup";

    public static RouteHandlerBuilder WithIdempotencyKey(this RouteHandlerBuilder builder) =>
        builder.WithMetadata(new IdempotencyKeyRequired());

    /// <summary>A timer function that removes idempotency records past their retention (hourly by default).</summary>
    public static TimerFunction AddIdempotencyCleanup(this FunctionCatalog functions, string schedule = "0 17 * * * *") =>
        functions.AddTimer(CleanupFunction, schedule, async (_, context) =>
        {
            var removed = await context.Services.GetRequiredService<IdempotencyStore>().DeleteExpiredAsync(context.CancellationToken);
            context.Logger.LogInformation("Removed {Count} expired idempotency records", removed);
        });
}

/// <summary>
/// Makes marked endpoints safe to retry. The first request with a key runs; a repeat with the same key
/// and the same request gets the stored response with Idempotent-Replayed: true, even while the first is
/// still running (it waits for it); a repeat with a different request is 422. Only successes are kept: a
/// 4xx or 5xx frees the key so a corrected or later request can run. A request that holds a key and dies
/// loses it after a lease, so a retry can take over.
/// </summary>
internal sealed class IdempotencyMiddleware(RequestDelegate next, IdempotencyStore store, IdempotencyOptions options, TimeProvider time, ILogger<IdempotencyMiddleware> logger)
{
    public const int MaxKeyLength = 255;
    private static readonly HashSet<string> TransportHeaders = new(StringComparer.OrdinalIgnoreCase) { "Date", "Server", "Transfer-Encoding", "Content-Length", "Connection" };

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IdempotencyKeyRequired>() is null)
        {
            await next(context);
            return;
        }
        var key = context.Request.Headers[IdempotencyExtensions.KeyHeader].ToString();
        if (string.IsNullOrWhiteSpace(key) || key.Length > MaxKeyLength)
        {
            await Problem(context, StatusCodes.Status400BadRequest, "Idempotency-Key required",
                $"Send a unique {IdempotencyExtensions.KeyHeader} header (1-{MaxKeyLength} characters) so the request can be retried safely.",
                IdempotencyExtensions.KeyHeader);
            return;
        }
        var owner = context.User.FindFirstValue(ClaimTypes.NameIdentifier) ?? context.User.FindFirstValue("sub") ?? "anonymous";
        var fingerprint = await FingerprintAsync(context.Request);
        var deadline = time.GetUtcNow() + options.Lease + options.Lease / 2;

        // Not DocumentConflicts' retry: a lost claim or takeover means another request holds the key, so this
        // waits for that request's answer (bounded by the deadline) instead of writing again.
        while (true)
        {
            var now = time.GetUtcNow();
            var existing = await store.ReadAsync(owner, key, context.RequestAborted);
            if (existing is null)
            {
                var claim = new IdempotencyRecord { Key = key, Owner = owner, RequestFingerprint = fingerprint, CreatedAt = now, LeaseUntil = now + options.Lease };
                if (await store.TryClaimAsync(claim, context.RequestAborted) is { } etag)
                {
                    await ExecuteAsync(context, claim, etag);
                    return;
                }
                continue;
            }
            var (record, currentETag) = existing.Value;
            if (record.RequestFingerprint != fingerprint)
            {
                await Problem(context, StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                    $"This {IdempotencyExtensions.KeyHeader} was used with a different request; use a new key for a new request.", IdempotencyExtensions.KeyHeader);
                return;
            }
            if (record.Completed)
            {
                await ReplayAsync(context, record);
                return;
            }
            if (record.LeaseUntil < now)
            {
                var takeover = record with { LeaseUntil = now + options.Lease };
                if (await store.TryReplaceAsync(takeover, currentETag, context.RequestAborted) is { } etag)
                {
                    logger.LogWarning("Taking over idempotency key {Key} whose first request stopped without an answer", key);
                    await ExecuteAsync(context, takeover, etag);
                    return;
                }
                continue;
            }
            if (now > deadline)
            {
                await Problem(context, StatusCodes.Status409Conflict, "Request in progress",
                    "The first request with this Idempotency-Key is still running; retry later.", IdempotencyExtensions.KeyHeader);
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, context.RequestAborted);
        }
    }

    private async Task ExecuteAsync(HttpContext context, IdempotencyRecord claim, string etag)
    {
        var original = context.Response.Body;
        using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        var kept = false;
        try
        {
            await next(context);
            var status = context.Response.StatusCode;
            if (status is >= 200 and < 400)
            {
                var completed = claim with
                {
                    CompletedAt = time.GetUtcNow(),
                    StatusCode = status,
                    Headers = context.Response.Headers.Where(h => !TransportHeaders.Contains(h.Key)).ToDictionary(h => h.Key, h => h.Value.ToString()),
                    Body = Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length),
                };
                kept = await store.TryReplaceAsync(completed, etag, CancellationToken.None) is not null;
                if (!kept)
                    logger.LogWarning("The response for idempotency key {Key} could not be kept: the key was taken over", claim.Key);
            }
        }
        finally
        {
            context.Response.Body = original;
            if (!kept)
                await store.ReleaseAsync(claim, etag, CancellationToken.None);
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private static async Task ReplayAsync(HttpContext context, IdempotencyRecord record)
    {
        context.Response.StatusCode = record.StatusCode ?? StatusCodes.Status200OK;
        foreach (var (name, value) in record.Headers ?? [])
            context.Response.Headers[name] = value;
        context.Response.Headers[IdempotencyExtensions.ReplayedHeader] = "true";
        var body = Convert.FromBase64String(record.Body ?? "");
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>Method, path, query and body: what makes two requests "the same request".</summary>
    private static async Task<string> FingerprintAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            hash.AppendData(chunk, 0, read);
        request.Body.Position = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static Task Problem(HttpContext context, int status, string title, string detail, string field) =>
        Results.Problem(statusCode: status, title: title, detail: detail, extensions: new Dictionary<string, object?>
        {
            ["errors"] = new Dictionary<string, string[]> { [field] = [detail] },
        }).ExecuteAsync(context);
}
