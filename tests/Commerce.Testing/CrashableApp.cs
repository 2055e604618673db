using Commerce.Hosting.Auth;

namespace Commerce.Testing;

/// <summary>
/// The function app as a child process (<see cref="AppProcess"/>) on a data folder and a port of its own, to be killed
/// without warning and started again on the same data and port, as a crash and a service manager's restart would.
/// </summary>
public sealed class CrashableApp : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _data;
    private readonly Dictionary<string, string?> _environment;
    private readonly List<string> _arguments;
    private readonly string? _appPath;
    private AppProcess? _process;

    private CrashableApp(string name, IReadOnlyDictionary<string, string?> settings, IEnumerable<string> arguments, string? appPath)
    {
        _data = new TempDirectory(name);
        Port = FreePort.Next();
        _environment = new Dictionary<string, string?>
        {
            ["Storage__DataDirectory"] = _data.Path,
            ["Catalog__SeedDemoData"] = "false",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (setting, value) in settings)
            _environment[setting] = value;
        _arguments = ["--urls", $"http://127.0.0.1:{Port}", .. arguments];
        _appPath = appPath;
    }

    /// <summary>The folder the app keeps its stores in; it outlives every process and goes when this is disposed.</summary>
    public string DataPath => _data.Path;

    public int Port { get; }

    /// <summary>The running process: the first, or the one the last <see cref="RestartAsync"/> started.</summary>
    public AppProcess Process => _process ?? throw new InvalidOperationException("The app is not running: it was killed and not restarted.");

    /// <summary>Starts the app and waits until it answers its health check.</summary>
    /// <param name="name">names the data folder.</param>
    /// <param name="settings">environment variables (<c>Section__Key</c>) over the defaults: the data folder, no demo data, warnings only.</param>
    /// <param name="arguments">command-line arguments after <c>--urls</c>.</param>
    /// <param name="appPath">another build of the app to run (a test host that wraps it); the app itself by default.</param>
    public static async Task<CrashableApp> StartAsync(string name, IReadOnlyDictionary<string, string?> settings, IEnumerable<string>? arguments = null, string? appPath = null)
    {
        var app = new CrashableApp(name, settings, arguments ?? [], appPath);
        try
        {
            await app.StartProcessAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>A client for the app that sends a token for <paramref name="subject"/>.</summary>
    public HttpClient ClientFor(string subject, string role = Roles.Customer) => AppProcess.ClientFor(Port, subject, role);

    /// <summary>Kills the app without warning (SIGKILL) and waits until it has gone.</summary>
    public async Task KillAsync()
    {
        var process = Process;
        process.Kill();
        _process = null;
        await process.DisposeAsync();
    }

    /// <summary>
    /// Sends <paramref name="requests"/> all at once and kills the app (<see cref="KillAsync"/>) as soon as
    /// <paramref name="answered"/> of them have been answered, so that the kill lands while the others are in flight.
    /// </summary>
    /// <returns>what each request ended with, in order.</returns>
    public async Task<T[]> KillWhileInFlightAsync<T>(IEnumerable<Task<T>> requests, int answered)
    {
        var answers = 0;
        var inFlight = requests.Select(async request =>
        {
            var answer = await request;
            Interlocked.Increment(ref answers);
            return answer;
        }).ToList();
        while (Volatile.Read(ref answers) < answered)
            await Task.Delay(5);
        await KillAsync();
        return await Task.WhenAll(inFlight);
    }

    /// <summary>Starts the killed app again on the same data folder and port, and waits until it answers its health check.</summary>
    public Task RestartAsync() => _process is null
        ? StartProcessAsync()
        : throw new InvalidOperationException("The app is still running: kill it first.");

    /// <summary>Asks the app to stop as a service manager does (SIGTERM) and waits until it has exited.</summary>
    public async Task StopAsync()
    {
        Process.Terminate();
        await Process.WaitForExitAsync(StartTimeout);
    }

    private async Task StartProcessAsync()
    {
        _process = AppProcess.Start(_arguments, _environment, appPath: _appPath);
        await _process.WaitForSuccessAsync($"http://127.0.0.1:{Port}/api/health", StartTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
            await _process.DisposeAsync();
        _process = null;
        _data.Dispose();
    }
}
