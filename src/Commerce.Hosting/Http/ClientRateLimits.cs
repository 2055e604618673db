using System.Globalization;
using System.Threading.RateLimiting;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Settings;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Hosting.Http;

/// <summary>At most <see cref="PermitLimit"/> requests per client in each <see cref="Window"/>.</summary>
public sealed record RateLimit(int PermitLimit, TimeSpan Window);

/// <summary>
/// How fast one client may call the API (OWASP API4): anonymous reads, writes that need no sign-in (webhooks) and
/// signed-in writes each have their own limit, counted per client: the token's subject, else the remote address.
/// Signed-in reads are not limited, nor are the Functions host's invocations of timer and queue functions.
/// </summary>
public sealed record RateLimitSettings(bool Enabled, RateLimit AnonymousReads, RateLimit LoginFreeWrites, RateLimit AuthenticatedWrites)
{
    public const string Section = "RateLimits";

    /// <exception cref="SettingsException">a limit or window is out of range.</exception>
    public static RateLimitSettings Read(IConfiguration configuration) => new(
        configuration.GetBool($"{Section}:Enabled", true),
        Limit(configuration, ClientRateLimits.AnonymousReads, 300),
        Limit(configuration, ClientRateLimits.LoginFreeWrites, 60),
        Limit(configuration, ClientRateLimits.AuthenticatedWrites, 120));

    private static RateLimit Limit(IConfiguration configuration, string policy, int permits) => new(
        configuration.GetInt($"{Section}:{policy}:PermitLimit", permits, 1, int.MaxValue),
        configuration.GetTimeSpan($"{Section}:{policy}:Window", TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)));
}

public static class ClientRateLimits
{
    public const string AnonymousReads = "AnonymousReads";
    public const string LoginFreeWrites = "LoginFreeWrites";
    public const string AuthenticatedWrites = "AuthenticatedWrites";

    /// <summary>The policy an HTTP function gets from its methods and whether it asks for a signed-in caller; null for none.</summary>
    public static string? PolicyFor(IEnumerable<string> methods, bool requiresSignIn)
    {
        var reads = methods.All(m => HttpMethods.IsGet(m) || HttpMethods.IsHead(m));
        return (reads, requiresSignIn) switch
        {
            (true, false) => AnonymousReads,
            (true, true) => null,
            (false, false) => LoginFreeWrites,
            (false, true) => AuthenticatedWrites,
        };
    }

    /// <summary>
    /// Gives the endpoint the policy <see cref="PolicyFor"/> chooses, once its other conventions (authorization) are
    /// known; an endpoint that names a policy itself, or opts out, keeps that.
    /// </summary>
    public static TBuilder WithClientRateLimit<TBuilder>(this TBuilder endpoint, IEnumerable<string> methods) where TBuilder : IEndpointConventionBuilder
    {
        endpoint.Finally(builder =>
        {
            var metadata = builder.Metadata;
            if (metadata.Any(m => m is EnableRateLimitingAttribute or DisableRateLimitingAttribute))
                return;
            var requiresSignIn = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
            if (PolicyFor(methods, requiresSignIn) is { } policy)
                metadata.Add(new EnableRateLimitingAttribute(policy));
        });
        return endpoint;
    }

    /// <summary>The client a request counts against: the signed-in subject, else the remote address.</summary>
    public static string ClientOf(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true && context.User.SubjectId() is { } subject
            ? "sub:" + subject
            : "ip:" + context.Connection.RemoteIpAddress;

    internal static void AddClientRateLimits(this IServiceCollection services, RateLimitSettings settings)
    {
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = (rejected, _) => RejectAsync(rejected, settings);
            Add(options, AnonymousReads, settings.AnonymousReads, settings.Enabled);
            Add(options, LoginFreeWrites, settings.LoginFreeWrites, settings.Enabled);
            Add(options, AuthenticatedWrites, settings.AuthenticatedWrites, settings.Enabled);
        });
    }

    private static void Add(RateLimiterOptions options, string policy, RateLimit limit, bool enabled) =>
        options.AddPolicy(policy, context => enabled
            ? RateLimitPartition.GetFixedWindowLimiter(ClientOf(context), _ => new FixedWindowRateLimiterOptions { PermitLimit = limit.PermitLimit, Window = limit.Window, QueueLimit = 0 })
            : RateLimitPartition.GetNoLimiter(""));

    private static async ValueTask RejectAsync(OnRejectedContext rejected, RateLimitSettings settings)
    {
        var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? retryAfter
            : new[] { settings.AnonymousReads, settings.LoginFreeWrites, settings.AuthenticatedWrites }.Max(l => l.Window);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        var context = rejected.HttpContext;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Results.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests",
            detail: $"This client has made too many requests of this kind; retry after {seconds} s.").ExecuteAsync(context);
    }
}
