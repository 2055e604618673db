using System.Diagnostics;
using Commerce.Hosting.Settings;
using Commerce.Hosting.Telemetry;
using Commerce.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Commerce.Hosting.Tests.Settings;

public sealed class TelemetryTests
{
    private static FunctionAppBuilder Builder(string dataDirectory, params string[] settings) =>
        FunctionAppBuilder.Create([.. settings, $"--Storage:DataDirectory={dataDirectory}", "--Auth:SigningKey=" + FunctionAppHarness.TestSigningKey]);

    [Fact]
    public async Task With_no_exporter_configured_no_telemetry_provider_is_registered()
    {
        using var data = new TempDirectory();

        await using var app = Builder(data.Path).Build();

        Assert.Null(app.Services.GetService<TracerProvider>());
        Assert.Null(app.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task An_otlp_endpoint_registers_tracing_and_metrics()
    {
        using var data = new TempDirectory();

        await using var app = Builder(data.Path, "--OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317").Build();

        Assert.NotNull(app.Services.GetService<TracerProvider>());
        Assert.NotNull(app.Services.GetService<MeterProvider>());
    }

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4317")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector:4317")]
    [InlineData("APPLICATIONINSIGHTS_CONNECTION_STRING", "IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/")]
    [InlineData("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "ClientId=00000000-0000-0000-0000-0000000000aa")]
    public void A_malformed_telemetry_setting_stops_the_build_naming_it(string setting, string value)
    {
        using var data = new TempDirectory();

        var error = Assert.Throws<SettingsException>(() => Builder(data.Path, $"--{setting}={value}").Build());

        Assert.Equal(setting, error.Setting);
        Assert.StartsWith($"{setting}: ", error.Message);
    }

    [Fact]
    public void The_application_insights_identity_comes_from_its_authentication_string()
    {
        var settings = TelemetrySettings.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TelemetrySettings.ApplicationInsightsSetting] = "InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/",
            [TelemetrySettings.ApplicationInsightsAuthenticationSetting] = "ClientId=00000000-0000-0000-0000-0000000000aa;Authorization=AAD",
        }).Build());

        Assert.True(settings.Exports);
        Assert.Equal("00000000-0000-0000-0000-0000000000aa", settings.ApplicationInsightsClientId);
        Assert.Null(settings.OtlpEndpoint);
    }

    [Fact]
    public async Task Each_request_is_a_span_and_health_probes_are_not()
    {
        var spans = new List<Activity>();
        await using var harness = await FunctionAppHarness.StartAsync(builder =>
        {
            builder.Functions.AddHttp("TelemetryProbe", "telemetry-probe", ["GET"], () => TypedResults.Ok("pong"));
            builder.Functions.AddHttp("Health", "health", ["GET"], () => TypedResults.Ok("Healthy"));
            builder.Services.AddCommerceOpenTelemetry().WithTracing(t => t.AddInMemoryExporter(spans));
        });

        (await harness.Client.GetAsync("api/health")).EnsureSuccessStatusCode();
        (await harness.Client.GetAsync("api/telemetry-probe")).EnsureSuccessStatusCode();
        // The server ends a request's span after the client has its response, so the span is exported a moment later.
        await Poll.UntilAsync(() => Snapshot(spans), exported => exported.Any(s => (string?)s.GetTagItem("url.path") == "/api/telemetry-probe"), TimeSpan.FromSeconds(30),
            "the probe's request span", describe: exported => $"spans for [{string.Join(", ", exported.Select(s => s.GetTagItem("url.path")))}]");
        harness.Services.GetRequiredService<TracerProvider>().ForceFlush();

        // Request spans come from every app in the process that runs while the provider listens: the route tells this one's.
        Assert.DoesNotContain(Snapshot(spans), s => (string?)s.GetTagItem("url.path") == "/api/health");
        var request = Assert.Single(Snapshot(spans), s => (string?)s.GetTagItem("url.path") == "/api/telemetry-probe");
        Assert.Equal(ActivityKind.Server, request.Kind);
        Assert.Equal(200, request.GetTagItem("http.response.status_code"));
        Assert.Equal(TelemetrySetup.ServiceName, harness.Services.GetRequiredService<TracerProvider>().GetResource().Attributes.Single(a => a.Key == "service.name").Value);
    }

    /// <summary>The exporter appends from the server's threads: a copy of the list is read, never the list while it grows.</summary>
    private static Activity[] Snapshot(List<Activity> spans) => spans.ToArray();
}
