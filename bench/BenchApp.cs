using Commerce.Functions;
using Commerce.Hosting;

namespace Commerce.Bench;

/// <summary>The product app started in this process for a benchmark, with a trivial JSON function as the baseline.</summary>
public sealed class BenchApp : IAsyncDisposable
{
    public const string BaselineRoute = "api/bench/ping";

    private readonly string _data;

    private BenchApp(FunctionApp app, Uri address, string data)
    {
        App = app;
        Address = address;
        _data = data;
    }

    public FunctionApp App { get; }
    public Uri Address { get; }
    public IServiceProvider Services => App.Services;

    public static async Task<BenchApp> StartAsync(params string[] settings)
    {
        var data = Path.Combine(Path.GetTempPath(), $"bench-{Guid.NewGuid():N}");
        var port = FreePort();
        var builder = FunctionAppBuilder.Create([
            "--urls", $"http://127.0.0.1:{port}",
            $"--Storage:DataDirectory={data}",
            $"--Auth:SigningKey={Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            // One client sends every request: the limits stay in the pipeline, too high to refuse it.
            "--RateLimits:AnonymousReads:PermitLimit=2147483647",
            "--RateLimits:LoginFreeWrites:PermitLimit=2147483647",
            "--RateLimits:AuthenticatedWrites:PermitLimit=2147483647",
            .. settings,
        ]);
        CommerceApp.Configure(builder);
        builder.Functions.AddHttp("BenchPing", "bench/ping", ["GET"], () => TypedResults.Ok(new { ok = true }));
        var app = builder.Build();
        await app.StartAsync();
        return new BenchApp(app, new Uri($"http://127.0.0.1:{port}/"), data);
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}
