using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Commerce.Testing.Emulators;

/// <summary>A Node-based emulator started from tests/emulators/node_modules and stopped on dispose.</summary>
public sealed class EmulatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private EmulatorProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>Starts `node &lt;script&gt; args` and waits until every port in <paramref name="ports"/> accepts connections.</summary>
    public static async Task<EmulatorProcess> StartAsync(string name, string scriptRelativeToNodeModules, IEnumerable<string> arguments, IReadOnlyList<int> ports, TimeSpan? timeout = null)
    {
        await EmulatorPackages.EnsureInstalledAsync();
        var script = Path.Combine(EmulatorPackages.NodeModules, scriptRelativeToNodeModules);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepositoryPaths.Emulators,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{name} needs Node.js 20+ on PATH (https://nodejs.org): {e.Message}", e);
        }

        var emulator = new EmulatorProcess(name, process);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        foreach (var port in ports)
        {
            while (!await AcceptsAsync(port))
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"{name} exited with code {process.ExitCode} before listening on {port}:\n{emulator.Output}");
                if (DateTime.UtcNow > deadline)
                {
                    await emulator.DisposeAsync();
                    throw new TimeoutException($"{name} did not listen on port {port} in time:\n{emulator.Output}");
                }
                await Task.Delay(100);
            }
        }
        return emulator;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
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
