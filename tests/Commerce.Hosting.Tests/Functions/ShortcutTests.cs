using System.Net;
using Commerce.Hosting.Functions;
using Commerce.Testing;

namespace Commerce.Hosting.Tests.Functions;

public sealed class ShortcutTests
{
    private static void Page(FunctionAppBuilder builder)
    {
        builder.Functions.AddHttp("Page", "page", ["GET"], () => "the page");
        builder.Functions.AddShortcut("page", "page");
    }

    [Theory]
    [InlineData(false, HttpStatusCode.Redirect)]
    // The Functions host forwards only /api: under it the app does not pretend to answer elsewhere.
    [InlineData(true, HttpStatusCode.NotFound)]
    public async Task A_shortcut_redirects_to_its_api_route_only_when_the_app_runs_on_its_own(bool underFunctionsHost, HttpStatusCode expected)
    {
        await using var app = await FunctionAppHarness.StartAsync(Page, underFunctionsHost: underFunctionsHost);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };

        using var response = await client.GetAsync("/page");

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(underFunctionsHost ? null : "/api/page", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("/page")]
    [InlineData("api")]
    [InlineData("api/page")]
    [InlineData("")]
    public void A_shortcut_must_be_a_path_outside_api(string path) =>
        Assert.Throws<ArgumentException>(() => new FunctionCatalog().AddShortcut(path, "page"));

    [Fact]
    public void A_shortcut_is_registered_once() =>
        Assert.Throws<ArgumentException>(() => new FunctionCatalog().AddShortcut("page", "page").AddShortcut("PAGE", "other"));
}
