using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
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
            var credential = settings.ApplicationInsightsClientId is { } clientId
                ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
                : null;
            void Configure(AzureMonitorExporterOptions o) => o.ConnectionString = connectionString;
            telemetry.WithTracing(t => t.AddAzureMonitorTraceExporter(Configure, credential))
                .WithMetrics(m => m.AddAzureMonitorMetricExporter(Configure, credential))
                .WithLogging(l => l.AddAzureMonitorLogExporter(Configure, credential));
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
