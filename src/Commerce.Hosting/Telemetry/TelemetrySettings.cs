using Commerce.Hosting.Settings;
using Microsoft.Extensions.Configuration;

namespace Commerce.Hosting.Telemetry;

/// <summary>
/// Where telemetry goes: Application Insights when its connection string is set, an OpenTelemetry collector when an
/// OTLP endpoint is set, both, or nowhere (then nothing is collected at all).
/// </summary>
/// <param name="ApplicationInsightsClientId">the managed identity that writes to Application Insights when it accepts
/// only Entra ID (APPLICATIONINSIGHTS_AUTHENTICATION_STRING "ClientId=...;Authorization=AAD"); null otherwise.</param>
public sealed record TelemetrySettings(string? ApplicationInsightsConnectionString, string? ApplicationInsightsClientId, Uri? OtlpEndpoint)
{
    public const string ApplicationInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string ApplicationInsightsAuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public bool Exports => ApplicationInsightsConnectionString is not null || OtlpEndpoint is not null;

    /// <exception cref="SettingsException">a telemetry setting is malformed.</exception>
    public static TelemetrySettings Read(IConfiguration configuration)
    {
        var connectionString = configuration.GetString(ApplicationInsightsSetting);
        if (connectionString is not null && !Pairs(connectionString).ContainsKey("InstrumentationKey"))
            throw new SettingsException(ApplicationInsightsSetting, "has no InstrumentationKey; copy the connection string from the Application Insights resource.");

        string? clientId = null;
        if (configuration.GetString(ApplicationInsightsAuthenticationSetting) is { } authentication)
        {
            var pairs = Pairs(authentication);
            if (!string.Equals(pairs.GetValueOrDefault("Authorization"), "AAD", StringComparison.OrdinalIgnoreCase))
                throw new SettingsException(ApplicationInsightsAuthenticationSetting, "must say Authorization=AAD (and ClientId=<managed identity client id> for a user-assigned identity).");
            clientId = pairs.GetValueOrDefault("ClientId");
        }

        Uri? otlp = null;
        if (configuration.GetString(OtlpEndpointSetting) is { } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out otlp) || otlp.Scheme is not ("http" or "https")))
            throw new SettingsException(OtlpEndpointSetting, $"'{endpoint}' is not an absolute http or https URL such as http://localhost:4317.");

        return new TelemetrySettings(connectionString, clientId, otlp);
    }

    private static Dictionary<string, string> Pairs(string text) =>
        text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(pair => pair.Length == 2 && pair[0].Length > 0)
            .GroupBy(pair => pair[0], StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.OrdinalIgnoreCase);
}
