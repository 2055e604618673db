using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Commerce.Hosting.Telemetry;
using Commerce.Testing;
using Microsoft.AspNetCore.Http;

namespace Commerce.Hosting.Tests.Settings;

/// <summary>
/// The Azure Monitor distro end to end: the app configured with an Application Insights connection string whose
/// ingestion endpoint is a listener in the test, answering as Application Insights' track endpoint does.
/// </summary>
public sealed class ApplicationInsightsExportTests
{
    private const string InstrumentationKey = "7d7f3a52-0c4b-4a52-9f55-4a3c2b7e1d09";

    [Fact]
    public async Task A_request_reaches_the_ingestion_endpoint_as_request_telemetry_under_the_connection_strings_key()
    {
        using var ingestion = new IngestionListener();
        await using var harness = await FunctionAppHarness.StartAsync(
            builder => builder.Functions.AddHttp("TelemetryProbe", "telemetry-probe", ["GET"], () => TypedResults.Ok("pong")),
            new Dictionary<string, string> { ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = $"InstrumentationKey={InstrumentationKey};IngestionEndpoint={ingestion.Address}" });

        (await harness.Client.GetAsync("api/telemetry-probe")).EnsureSuccessStatusCode();

        var request = await ingestion.WaitForAsync(
            item => item.GetProperty("data").GetProperty("baseType").GetString() == "RequestData"
                && item.GetProperty("data").GetProperty("baseData").GetProperty("url").GetString()!.EndsWith("/api/telemetry-probe", StringComparison.Ordinal),
            TimeSpan.FromSeconds(90));
        Assert.Equal(InstrumentationKey, request.GetProperty("iKey").GetString());
        Assert.Equal("200", request.GetProperty("data").GetProperty("baseData").GetProperty("responseCode").GetString());
        Assert.Equal(TelemetrySetup.ServiceName, request.GetProperty("tags").GetProperty("ai.cloud.role").GetString());
        Assert.StartsWith("/v2.1/track", ingestion.Paths.First(), StringComparison.Ordinal);
    }

    /// <summary>Accepts what is posted to it as Application Insights' ingestion does (gzip or plain newline-delimited JSON items).</summary>
    private sealed class IngestionListener : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<JsonElement> _items = [];
        private readonly List<string> _paths = [];
        private readonly Task _serving;

        public IngestionListener()
        {
            Address = $"http://127.0.0.1:{FreePort.Next()}/";
            _listener.Prefixes.Add(Address);
            _listener.Start();
            _serving = Task.Run(ServeAsync);
        }

        public string Address { get; }

        public IReadOnlyList<string> Paths { get { lock (_items) return [.. _paths]; } }

        public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan timeout)
        {
            var items = await Poll.UntilAsync(() => { lock (_items) return _items.ToArray(); }, items => items.Any(match), timeout,
                "a matching telemetry item", TimeSpan.FromMilliseconds(200), items => $"{items.Length} items, none matching");
            return items.First(match);
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }
                Stream body = context.Request.InputStream;
                if (string.Equals(context.Request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase))
                    body = new GZipStream(body, CompressionMode.Decompress);
                var lines = (await new StreamReader(body, Encoding.UTF8).ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                lock (_items)
                {
                    _paths.Add(context.Request.Url!.AbsolutePath);
                    _items.AddRange(lines.Select(l => JsonDocument.Parse(l).RootElement.Clone()));
                }
                var answer = Encoding.UTF8.GetBytes($$"""{"itemsReceived":{{lines.Length}},"itemsAccepted":{{lines.Length}},"errors":[]}""");
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(answer);
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
