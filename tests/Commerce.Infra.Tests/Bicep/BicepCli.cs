using System.Diagnostics;
using System.Reflection;

namespace Commerce.Infra.Tests.Bicep;

public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    /// <summary>Everything the command printed, for assertion messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";
}

/// <summary>
/// The real Bicep compiler, from the Azure.Bicep.CommandLine.linux-x64 package the project downloads on restore.
/// </summary>
public static class BicepCli
{
    public static string Executable { get; } = Locate();

    public static Task<CommandResult> RunAsync(string workingDirectory, params string[] arguments) =>
        Processes.RunAsync(Executable, arguments, workingDirectory);

    private static string Locate()
    {
        var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepExecutable").Value
            ?? throw new InvalidOperationException("The test assembly does not name the Bicep executable.");
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("The tests run the linux-x64 Bicep compiler (Azure.Bicep.CommandLine.linux-x64).");
        if (!File.Exists(path))
            throw new InvalidOperationException($"The Bicep compiler is not at {path}; restore tests/Commerce.Infra.Tests (it downloads Azure.Bicep.CommandLine.linux-x64).");
        // NuGet does not always keep the executable bit when it extracts a package.
        var mode = File.GetUnixFileMode(path);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
        return path;
    }
}

public static class Processes
{
    public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish within 3 minutes.");
        }
        return new CommandResult(process.ExitCode, await output, await error);
    }
}
