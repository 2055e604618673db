using System.Diagnostics;
using System.Security.Cryptography;

namespace Commerce.Testing.Emulators;

/// <summary>
/// Installs the emulators pinned in tests/emulators/package-lock.json with `npm ci`, once per lock-file
/// version, guarded by a file lock so test projects running side by side never install over each other.
/// </summary>
public static class EmulatorPackages
{
    private static readonly SemaphoreSlim InProcess = new(1, 1);
    private static bool _ready;

    public static string NodeModules => Path.Combine(RepositoryPaths.Emulators, "node_modules");

    public static async Task EnsureInstalledAsync()
    {
        if (_ready)
            return;
        await InProcess.WaitAsync();
        try
        {
            if (_ready)
                return;
            using var crossProcess = await AcquireFileLockAsync(Path.Combine(RepositoryPaths.Emulators, ".install.lock"));
            var lockHash = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Emulators, "package-lock.json"))));
            var marker = Path.Combine(NodeModules, ".installed-from");
            if (!File.Exists(marker) || await File.ReadAllTextAsync(marker) != lockHash)
            {
                await RunNpmCiAsync();
                await File.WriteAllTextAsync(marker, lockHash);
            }
            _ready = true;
        }
        finally
        {
            InProcess.Release();
        }
    }

    private static async Task RunNpmCiAsync()
    {
        var start = new ProcessStartInfo("npm", "ci --no-audit --no-fund --loglevel=error")
        {
            WorkingDirectory = RepositoryPaths.Emulators,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                "The emulator tests need Node.js 20+ with npm on PATH (https://nodejs.org); `npm` could not be started: " + e.Message, e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
                throw new InvalidOperationException(
                    $"`npm ci` in {RepositoryPaths.Emulators} failed with exit code {process.ExitCode}; the emulator tests need the npm registry reachable once.\n{await stdout}\n{await stderr}");
        }
    }

    private static async Task<FileStream> AcquireFileLockAsync(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
