using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Commerce.Functions.Tests.Analytics;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Dashboard;

[Collection(OnlineRetailHistoryCollection.Name)]
public sealed partial class DashboardFilesTests(OnlineRetailHistoryFixture history)
{
    [Fact]
    public async Task The_chart_library_served_is_the_version_the_lock_file_pins()
    {
        var lockFile = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "functions", "Dashboard", "package-lock.json")))!;
        var pinned = (string)lockFile["packages"]!["node_modules/chart.js"]!["version"]!;

        using var response = await history.App.Client.GetAsync("/api/dashboard/chart.umd.min.js");
        var script = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(pinned, ChartJsBanner().Match(script).Groups[1].Value);
    }

    [Fact]
    public async Task The_page_is_the_index_and_only_its_own_scripts_may_run()
    {
        using var response = await history.App.Client.GetAsync("/api/dashboard");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/api/dashboard/dashboard.js", page, StringComparison.Ordinal);
        Assert.StartsWith("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_short_address_redirects_to_the_page_under_api()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = history.App.BaseAddress };
        using var response = await client.GetAsync("/dashboard");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/api/dashboard", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("nothing.js")]
    [InlineData("..%2Fappsettings.json")]
    [InlineData("Commerce.Functions.dll")]
    public async Task A_file_the_dashboard_does_not_have_is_a_404_problem(string file)
    {
        using var response = await history.App.Client.GetAsync("/api/dashboard/" + file);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [GeneratedRegex(@"Chart\.js v(\d+\.\d+\.\d+)")]
    private static partial Regex ChartJsBanner();
}
