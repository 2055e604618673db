using Azure.Identity;
using Azure.Monitor.OpenTelemetry.AspNetCore;
using Commerce.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Commerce.Hosting.Telemetry;

public static class TelemetrySetup
{
    public const string ServiceName = "commerce-functions";

    /// <summary>Registers OpenTelemetry with the configured exporters; registers nothing when no exporter is configured.</summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services, TelemetrySettings settings)
    {
        if (!settings.Exports)
            return services;
        var telemetry = services.AddCommerceOpenTelemetry();
        if (settings.ApplicationInsightsConnectionString is { } connectionString)
        {
            // The Azure Monitor distro: its exporters for all three signals, HttpClient spans and Live Metrics, on top of
            // the product's own sources and the request spans (with their health-probe filter) registered above.
            telemetry.UseAzureMonitor(o =>
            {
                o.ConnectionString = connectionString;
                // Every trace is kept: the distro's default rate-limited sampler drops whole orders' traces at start
                // and in bursts. A shop that needs fewer sets ingestion sampling on the Application Insights resource.
                o.TracesPerSecond = null;
                o.SamplingRatio = 1F;
                if (settings.ApplicationInsightsClientId is { } clientId)
                    o.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
            });
        }
        if (settings.OtlpEndpoint is { } endpoint)
        {
            void Configure(OtlpExporterOptions o) => o.Endpoint = endpoint;
            telemetry.WithTracing(t => t.AddOtlpExporter(Configure))
                .WithMetrics(m => m.AddOtlpExporter(Configure))
                .WithLogging(l => l.AddOtlpExporter(Configure));
        }
        return services;
    }

    /// <summary>
    /// The product's traces (a span per HTTP request, and the product's own spans), metrics and logs, without an
    /// exporter: <see cref="AddTelemetry"/> adds the configured ones.
    /// </summary>
    public static OpenTelemetryBuilder AddCommerceOpenTelemetry(this IServiceCollection services) =>
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithTracing(t => t
                .AddSource(CommerceTelemetry.Name)
                // Health probes come every few seconds from the platform; a span each would drown the requests that matter.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsHealthProbe(context.Request)))
            .WithMetrics(m => m
                .AddMeter(CommerceTelemetry.Name)
                .AddAspNetCoreInstrumentation())
            .WithLogging();

    private static bool IsHealthProbe(HttpRequest request) => request.Path.StartsWithSegments("/api/health", StringComparison.OrdinalIgnoreCase);
}
