using Commerce.Hosting.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Commerce.Hosting.Auth;

/// <summary>
/// How bearer tokens are checked. Either this app signs them (Auth:SigningKey, base64, at least 256 bits)
/// or an identity provider does (Auth:Authority, e.g. an Entra ID tenant, with OIDC metadata). In the
/// Development environment without either, a key is generated once into the data directory so that
/// tokens from `dev-token` keep working across restarts.
/// </summary>
public sealed record AuthSettings(string Issuer, string Audience, SymmetricSecurityKey? SigningKey, string? Authority)
{
    public const string IssuerSetting = "Auth:Issuer";
    public const string AudienceSetting = "Auth:Audience";
    public const string SigningKeySetting = "Auth:SigningKey";
    public const string AuthoritySetting = "Auth:Authority";
    public const string DevelopmentKeyFile = "dev-signing-key";

    public static AuthSettings Read(IConfiguration configuration, IHostEnvironment environment, string dataDirectory)
    {
        var issuer = configuration.GetString(IssuerSetting) ?? "commerce";
        var audience = configuration.GetString(AudienceSetting) ?? "commerce-api";
        var authority = configuration.GetString(AuthoritySetting);
        if (authority is not null && (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps))
            throw new SettingsException(AuthoritySetting, $"'{authority}' is not an https URL.");

        var key = configuration.GetString(SigningKeySetting) is { } configured
            ? Parse(configured)
            : authority is null && environment.IsDevelopment() ? DevelopmentKey(dataDirectory) : null;
        if (key is null && authority is null)
            throw new SettingsException(SigningKeySetting, $"is not set: set a base64 key of at least 256 bits, or {AuthoritySetting} to accept tokens from an identity provider.");
        return new AuthSettings(issuer, audience, key, authority);
    }

    private static SymmetricSecurityKey Parse(string configured)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(configured);
        }
        catch (FormatException)
        {
            throw new SettingsException(SigningKeySetting, "is not base64.");
        }
        if (bytes.Length < 32)
            throw new SettingsException(SigningKeySetting, $"has {bytes.Length * 8} bits; at least 256 are needed.");
        return new SymmetricSecurityKey(bytes);
    }

    private static SymmetricSecurityKey DevelopmentKey(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, DevelopmentKeyFile);
        try
        {
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(dataDirectory);
                var fresh = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
                using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                using (var writer = new StreamWriter(file))
                    writer.Write(fresh);
            }
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first; use theirs.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException(SigningKeySetting, $"no key is set and the development key cannot be kept in {path}: {e.Message}");
        }
        return Parse(File.ReadAllText(path).Trim());
    }
}
