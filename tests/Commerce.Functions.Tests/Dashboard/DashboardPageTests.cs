using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Analytics.Features;
using Commerce.Analytics.Lake;
using Commerce.Functions.Tests.Checkout;
using Commerce.Hosting.Auth;
using Commerce.Retention.Risk;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace Commerce.Functions.Tests.Dashboard;

/// <summary>
/// The dashboard opened in headless Chromium against its own app: a small order history of the last few months imported
/// through the admin upload, then real checkouts through both sandbox channels, approved and declined, so that every
/// chart has the shop's own figures to draw (payment attempts and processing times are not in any imported history),
/// and a churn scoring of the imported customers in the risk store.
/// </summary>
public sealed class DashboardPageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private Shop _shop = null!;
    private readonly List<string> _placed = [];
    private IReadOnlyList<ChurnRisk> _scored = [];

    public async Task InitializeAsync()
    {
        _shop = await Shop.OpenAsync();
        await _shop.AddProductAsync("DASH-1", 18m, stock: 100);
        using var admin = _shop.Admin();
        var imported = await admin.PostAsync("/api/analytics/history", new StringContent(RecentHistory(DateTime.UtcNow.Date), Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        foreach (var (customer, method, until) in new[]
        {
            ("dash-a", "pm_card_visa", "Completed"),
            ("dash-b", "pm_card_chargeDeclined", "Cancelled"),
            ("dash-c", "pm_card_processingError", "Completed"),
            // Last: it takes sandbox-a down, so sandbox-b pays.
            ("dash-d", "pm_card_channelDown", "Completed"),
        })
            _placed.Add(await _shop.PlaceAsync(customer, new { paymentMethod = method, lines = new[] { new { sku = "DASH-1", quantity = 1 } } }, until));
        await _shop.App.Services.GetRequiredService<LakeCompactor>().DrainAsync();
        _scored = await ScoreAsync();
    }

    /// <summary>
    /// Risks of the imported customers across three segments and every band, stored as scoring stores them after a
    /// promotion (twelve customers are too few to train a churn model on).
    /// </summary>
    private async Task<IReadOnlyList<ChurnRisk>> ScoreAsync()
    {
        var bands = _shop.App.Services.GetRequiredService<RiskBands>();
        var at = DateTimeOffset.UtcNow;
        var risks = Enumerable.Range(0, 12).Select(c =>
        {
            var probability = 0.05 + c * 0.08;
            return new ChurnRisk($"{19000 + c}", probability, bands.Of(probability), [], "dashboard-v1", at) { Segment = (RfmSegment)(c % 3 * 4) };
        }).ToList();
        await _shop.App.Services.GetRequiredService<ChurnRiskStore>().PutAllAsync(risks, RiskSummary.Of("dashboard-v1", at, risks));
        return risks;
    }

    public async Task DisposeAsync() => await _shop.DisposeAsync();

    /// <summary>Twelve customers over the last four months in the Online Retail columns, some coming back, so cohorts, retention and segments have rows.</summary>
    private static string RecentHistory(DateTime today)
    {
        var csv = new StringBuilder("\"InvoiceNo\",\"StockCode\",\"Description\",\"Quantity\",\"InvoiceDate\",\"UnitPrice\",\"CustomerID\",\"Country\"\n");
        var invoice = 900000;
        for (var customer = 0; customer < 12; customer++)
        {
            var first = today.AddDays(-115 + customer * 9);
            for (var visit = 0; visit <= customer % 4; visit++)
            {
                var at = first.AddDays(visit * (1 + customer % 3) * 6).AddHours(10);
                if (at >= today)
                    break;
                invoice++;
                for (var line = 0; line < 2; line++)
                    csv.Append(CultureInfo.InvariantCulture, $"\"{invoice}\",\"8500{line}\",\"ITEM {line}\",{2 + line},\"{at:yyyy-MM-ddTHH:mm:ss}\",{3.25m + line},{19000 + customer},\"United Kingdom\"\n");
            }
        }
        return csv.ToString();
    }
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
        using var admin = _shop.Admin();
        var kpis = (await admin.GetFromJsonAsync<JsonObject>("/api/analytics/kpis"))!;
        var cohorts = (await admin.GetFromJsonAsync<JsonObject>("/api/analytics/cohorts?by=month"))!["cohorts"]!.AsArray();
        var token = _shop.App.Services.GetRequiredService<TokenIssuer>().Issue("dashboard-viewer", [Roles.Admin]);
        var profile = Directory.CreateTempSubdirectory("dashboard-chromium-");
        try
        {
            using var browser = await HeadlessChromium.StartAsync(profile.FullName);
            browser.Navigate().GoToUrl(new Uri(_shop.App.BaseAddress, "/api/dashboard#token=" + token));
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
            string[] every = ["retention-chart", "segment-sizes-chart", "segment-risk-chart", "segment-flows-chart", "payment-failures-chart", "processing-time-chart", "tornado-chart"];
            Assert.Equal(every.Order(StringComparer.Ordinal), points.Keys.Order(StringComparer.Ordinal));
            Assert.All(points, p => Assert.True(p.Value > 0, $"{p.Key} draws no data"));

            // The page shows what the APIs answer: one heatmap row and one retention line per cohort, a tile per KPI.
            Assert.Equal(cohorts.Count, browser.FindElements(By.CssSelector("#cohort-heatmap tbody tr")).Count);
            Assert.Equal(cohorts.Count, Convert.ToInt32(((IJavaScriptExecutor)browser).ExecuteScript(
                "return Chart.getChart(document.getElementById('retention-chart')).data.datasets.length;")));
            Assert.Equal(13, browser.FindElements(By.CssSelector("#kpi-tiles .tile")).Count);
            Assert.Equal(5, browser.FindElements(By.CssSelector("#break-even tr")).Count - 1);

            // Payments: a bar per channel with the approved attempts, recounted from the orders' own payment records.
            var orders = new List<JsonObject>();
            foreach (var id in _placed)
                orders.Add((await admin.GetFromJsonAsync<JsonObject>($"/api/orders/{id}"))!);
            var attempts = orders.SelectMany(o => o["payments"]!.AsArray()).Where(p => (string)p!["operation"]! == "authorize").ToList();
            var approved = attempts.GroupBy(p => (string)p!["channel"]!).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(p => (string)p!["outcome"]! is "Approved" or "Pending"));
            Assert.Equal(new[] { "sandbox-a", "sandbox-b" }, approved.Keys);
            Assert.Empty(browser.FindElements(By.Id("payment-failures-empty")));
            var payments = Drawn(browser, "payment-failures-chart");
            Assert.Equal(approved.Keys, payments.Labels);
            Assert.Equal(approved.Values.Select(v => (double)v), payments.Datasets[0]);
            Assert.Equal(attempts.Count - approved.Values.Sum(), payments.Datasets.Skip(1).Sum(d => d.Sum()));

            // Churn risk: a stacked bar per scored segment, its customers in each band recounted from the scoring stored.
            var segments = _scored.GroupBy(r => r.Segment).OrderBy(g => g.Key).ToList();
            Assert.Empty(browser.FindElements(By.Id("segment-risk-empty")));
            var risk = Drawn(browser, "segment-risk-chart");
            Assert.Equal(segments.Select(g => RfmSegments.DisplayName(g.Key)), risk.Labels);
            Assert.Equal(
                new[] { RiskBand.Low, RiskBand.Medium, RiskBand.High }.Select(band => segments.Select(g => (double)g.Count(r => r.Band == band)).ToList()),
                risk.Datasets);
            Assert.All(Enum.GetValues<RiskBand>(), band => Assert.Contains(_scored, r => r.Band == band));

            // Processing time: the shop's p50 and p95 (from the completed orders), then the four industry bands.
            var completed = orders.Count(o => (string)o["status"]! == "Completed");
            Assert.Equal(completed, (long)kpis["processingTimeP50"]!["basis"]!);
            var slowest = orders.Where(o => (string)o["status"]! == "Completed")
                .Max(o => (DateTimeOffset.Parse((string)o["completedAt"]!, CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)o["placedAt"]!, CultureInfo.InvariantCulture)).TotalMinutes);
            var processing = Drawn(browser, "processing-time-chart");
            output.WriteLine($"processing minutes: {string.Join(", ", processing.Datasets[0])}; slowest order {slowest:0.###}");
            Assert.Equal(new[] { "shop p50", "shop p95", "industry", "listed", "unicorn", "startup" }, processing.Labels);
            Assert.Equal((double)(decimal)kpis["processingTimeP50"]!["value"]!, processing.Datasets[0][0]);
            Assert.Equal((double)(decimal)kpis["processingTimeP95"]!["value"]!, processing.Datasets[0][1]);
            Assert.InRange(processing.Datasets[0][1], processing.Datasets[0][0], slowest + 0.01);
            Assert.Equal(new[] { 18d, 12d, 14d, 22d }, processing.Datasets[0].Skip(2));
            // The token left the address bar once read.
            Assert.DoesNotContain("token", browser.Url, StringComparison.Ordinal);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    /// <summary>A chart's labels and each dataset's values, as Chart.js holds them.</summary>
    private static (List<string> Labels, List<List<double>> Datasets) Drawn(IWebDriver browser, string id)
    {
        var script = (IJavaScriptExecutor)browser;
        var labels = (IReadOnlyCollection<object>)script.ExecuteScript($"return Chart.getChart(document.getElementById('{id}')).data.labels;")!;
        var datasets = (IReadOnlyCollection<object>)script.ExecuteScript($"return Chart.getChart(document.getElementById('{id}')).data.datasets.map(d => d.data);")!;
        return (labels.Cast<string>().ToList(),
            datasets.Select(d => ((IReadOnlyCollection<object>)d).Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture)).ToList()).ToList());
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
