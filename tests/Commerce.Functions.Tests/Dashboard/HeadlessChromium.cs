using System.Diagnostics;
using Commerce.Testing;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Commerce.Functions.Tests.Dashboard;

/// <summary>Debian's Chromium driven through chromedriver, installed by scripts/install-browser on first use.</summary>
public static class HeadlessChromium
{
    private const string Browser = "/usr/bin/chromium";
    private const string DriverFolder = "/usr/bin";

    private static readonly Lazy<Task> Installed = new(InstallAsync);

    public static async Task<ChromeDriver> StartAsync(string userDataDirectory)
    {
        await Installed.Value;
        var options = new ChromeOptions { BinaryLocation = Browser };
        // What Chromium needs to start as root on a closed network without reaching out anywhere.
        options.AddArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            "--window-size=1400,2600", $"--user-data-dir={userDataDirectory}");
        options.SetLoggingPreference(LogType.Browser, LogLevel.All);
        var service = ChromeDriverService.CreateDefaultService(DriverFolder, "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(120));
    }

    private static async Task InstallAsync()
    {
        var script = Path.Combine(RepositoryPaths.Root, "scripts", "install-browser");
        using var process = Process.Start(new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/install-browser failed ({process.ExitCode}):\n{await output}\n{await errors}");
    }
}
