using Commerce.Hosting.Http.Idempotency;
using Commerce.Hosting.Settings;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Net.Http.Headers;

namespace Commerce.Hosting.Http;

/// <summary>
/// Which browser origins may call the API, read as Azure Functions reads them locally: Host:CORS (in local.settings.json
/// <c>"Host": { "CORS": "https://shop.example,https://admin.example", "CORSCredentials": false }</c>) lists origins,
/// or is "*" for any; without it no cross-origin call is allowed. In Azure the platform's CORS settings answer instead.
/// </summary>
public sealed record CorsSettings(IReadOnlyList<string> Origins, bool AllowCredentials)
{
    public const string OriginsSetting = "Host:CORS";
    public const string CredentialsSetting = "Host:CORSCredentials";
    public const string AnyOrigin = "*";

    /// <summary>Response headers a browser script may read besides the simple ones.</summary>
    public static readonly string[] ExposedHeaders = [HeaderNames.ETag, HeaderNames.Location, HeaderNames.RetryAfter, IdempotencyExtensions.ReplayedHeader];

    public bool Enabled => Origins.Count > 0;

    /// <exception cref="SettingsException">an origin is not scheme://host[:port], or credentials are allowed for any origin.</exception>
    public static CorsSettings Read(IConfiguration configuration)
    {
        var entries = (configuration.GetString(OriginsSetting) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var credentials = configuration.GetBool(CredentialsSetting, false);
        if (entries.Contains(AnyOrigin))
        {
            if (entries.Length > 1)
                throw new SettingsException(OriginsSetting, $"'{AnyOrigin}' allows every origin; list origins or give '{AnyOrigin}' alone.");
            if (credentials)
                throw new SettingsException(CredentialsSetting, $"cannot be true while {OriginsSetting} is '{AnyOrigin}': browsers refuse credentials for any origin; list the origins.");
            return new CorsSettings([AnyOrigin], false);
        }
        return new CorsSettings(entries.Select(Origin).Distinct(StringComparer.Ordinal).ToList(), credentials);
    }

    /// <summary>The policy for every route: the listed origins, any method and request header, and the headers clients read.</summary>
    public void Apply(CorsPolicyBuilder policy)
    {
        if (Origins is [AnyOrigin])
            policy.AllowAnyOrigin();
        else
            policy.WithOrigins([.. Origins]);
        policy.AllowAnyMethod().AllowAnyHeader().WithExposedHeaders(ExposedHeaders);
        if (AllowCredentials)
            policy.AllowCredentials();
    }

    private static string Origin(string entry)
    {
        if (!Uri.TryCreate(entry, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/"
            || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            throw new SettingsException(OriginsSetting, $"'{entry}' is not an origin; write scheme://host[:port], such as https://shop.example.");
        return uri.GetLeftPart(UriPartial.Authority);
    }
}
