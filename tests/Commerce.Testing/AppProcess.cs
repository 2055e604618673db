using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Commerce.Hosting.Auth;
using Microsoft.IdentityModel.Tokens;

namespace Commerce.Testing;

/// <summary>The function app as a real child process (`dotnet Commerce.Functions.dll ...`), as an operator starts it.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private AppProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static string AppPath => Path.Combine(AppContext.BaseDirectory, "Commerce.Functions.dll");

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;
    public string StandardOutput { get { lock (_stdout) return _stdout.ToString(); } }
    public string StandardError { get { lock (_stderr) return _stderr.ToString(); } }

    /// <param name="appPath">another build of the app to run (a test host that wraps it); the app itself by default.</param>
    public static AppProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null, string? appPath = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(appPath ?? AppPath);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("Storage__", StringComparison.Ordinal) || k.StartsWith("Auth__", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(name);
        start.Environment["Auth__SigningKey"] = FunctionAppHarness.TestSigningKey;
        start.Environment["ServiceBus__fullyQualifiedNamespace"] = FunctionAppHarness.TestServiceBusNamespace;
        start.Environment["ServiceBus__clientId"] = FunctionAppHarness.TestServiceBusClientId;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            start.Environment[name] = value;
        return new AppProcess(Process.Start(start)!);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>A client for the app on <paramref name="port"/> that sends a token for <paramref name="subject"/>, signed with the key the app is started with.</summary>
    public static HttpClient ClientFor(int port, string subject, string role = Roles.Customer)
    {
        var issuer = new TokenIssuer(new AuthSettings("commerce", "commerce-api", new SymmetricSecurityKey(Convert.FromBase64String(FunctionAppHarness.TestSigningKey)), null), TimeProvider.System);
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", issuer.Issue(subject, [role]));
        return client;
    }

    /// <summary>Polls <paramref name="url"/> until it answers 2xx.</summary>
    public async Task<HttpResponseMessage> WaitForSuccessAsync(string url, TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The app exited with code {_process.ExitCode}:\n{StandardOutput}\n{StandardError}");
            try
            {
                var response = await client.GetAsync(url);
                if (response.IsSuccessStatusCode)
                    return response;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"{url} did not answer 2xx within {timeout}:\n{StandardOutput}\n{StandardError}");
            await Task.Delay(200);
        }
    }

    /// <summary>Asks the app to stop as a service manager does (SIGTERM).</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>Kills the app without warning (SIGKILL), as a crash or an out-of-memory kill would.</summary>
    public void Kill() => Signal("KILL");

    private void Signal(string signal)
    {
        if (_process.HasExited)
            return;
        using var kill = Process.Start("kill", $"-{signal} {_process.Id}");
        kill.WaitForExit();
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
            return;
        lock (buffer)
            buffer.AppendLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
