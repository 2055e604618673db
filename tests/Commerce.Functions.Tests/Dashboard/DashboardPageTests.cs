using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Functions.Tests.Analytics;
using Commerce.Hosting.Auth;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace Commerce.Functions.Tests.Dashboard;

/// <summary>The dashboard opened in headless Chromium against the app holding the imported Online Retail history.</summary>
[Collection(OnlineRetailHistoryCollection.Name)]
public sealed class DashboardPageTests(OnlineRetailHistoryFixture history, ITestOutputHelper output)
{
    // Every chart on the page, and how many points with a value it draws.
    private const string ChartsScript = """
        return [...document.querySelectorAll('canvas[data-chart]')].map(canvas => {
          const chart = Chart.getChart(canvas);
          const points = chart ? chart.data.datasets.flatMap(d => d.data).filter(v => v !== null && v !== undefined).length : -1;
          return canvas.id + '=' + points;
        });
        """;

    [Fact]
    public async Task Every_chart_renders_the_shops_data_with_no_console_errors()
    {
        using var admin = history.Admin();
        var kpis = (await admin.GetFromJsonAsync<JsonObject>("/api/analytics/kpis"))!;
        var cohorts = (await admin.GetFromJsonAsync<JsonObject>("/api/analytics/cohorts?by=month"))!["cohorts"]!.AsArray();
        var token = history.App.Services.GetRequiredService<TokenIssuer>().Issue("dashboard-viewer", [Roles.Admin]);
        var profile = Directory.CreateTempSubdirectory("dashboard-chromium-");
        try
        {
            using var browser = await HeadlessChromium.StartAsync(profile.FullName);
            browser.Navigate().GoToUrl(new Uri(history.App.BaseAddress, "/api/dashboard#token=" + token));
            var state = WaitUntilDrawn(browser);

            var screenshot = Path.Combine(AppContext.BaseDirectory, "screenshots", "dashboard.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(screenshot);
            output.WriteLine($"screenshot: {screenshot}");

            var console = browser.Manage().Logs.GetLog(LogType.Browser).Select(e => $"{e.Level} {e.Message}").ToList();
            foreach (var line in console)
                output.WriteLine(line);
            Assert.Equal("ready", state);
            Assert.DoesNotContain(console, line => line.StartsWith("Severe", StringComparison.OrdinalIgnoreCase));

            var charts = ((IJavaScriptExecutor)browser).ExecuteScript(ChartsScript) as IReadOnlyCollection<object>;
            var points = charts!.Cast<string>().Select(c => c.Split('=')).ToDictionary(c => c[0], c => int.Parse(c[1]));
            output.WriteLine(string.Join(", ", points.Select(p => $"{p.Key}: {p.Value}")));
            string[] always = ["retention-chart", "segment-sizes-chart", "segment-flows-chart", "processing-time-chart", "tornado-chart"];
            Assert.All(always, id => Assert.Contains(id, points.Keys));
            Assert.All(points, p => Assert.True(p.Value > 0, $"{p.Key} draws no data"));

            // The page shows what the APIs answer: one heatmap row and one retention line per cohort, a tile per KPI.
            Assert.Equal(cohorts.Count, browser.FindElements(By.CssSelector("#cohort-heatmap tbody tr")).Count);
            Assert.Equal(cohorts.Count, Convert.ToInt32(((IJavaScriptExecutor)browser).ExecuteScript(
                "return Chart.getChart(document.getElementById('retention-chart')).data.datasets.length;")));
            Assert.Equal(13, browser.FindElements(By.CssSelector("#kpi-tiles .tile")).Count);
            Assert.Equal(5, browser.FindElements(By.CssSelector("#break-even tr")).Count - 1);
            // The history has no payment attempts; a shop with attempts gets the chart instead of the note.
            var attempts = kpis["paymentChannels"]!.AsArray().Sum(c => (long)c!["attempts"]!);
            Assert.Equal(attempts == 0, browser.FindElements(By.Id("payment-failures-empty")).Count == 1);
            Assert.Equal(attempts > 0, points.ContainsKey("payment-failures-chart"));
            // The token left the address bar once read.
            Assert.DoesNotContain("token", browser.Url, StringComparison.Ordinal);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>Waits for the page to finish drawing (ready) or to report why it could not (its status line).</summary>
    private static string WaitUntilDrawn(IWebDriver browser)
    {
        var script = (IJavaScriptExecutor)browser;
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (script.ExecuteScript("return document.body && document.body.dataset.ready === 'true' ? 'ready' : document.getElementById('status')?.textContent;") is string state
                && state != "Loading…" && state.Length > 0)
                return state;
            Thread.Sleep(200);
        }
        return "still loading after 3 minutes";
    }
}
