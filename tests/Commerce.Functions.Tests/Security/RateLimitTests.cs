using System.Globalization;
using System.Net;
using System.Text;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Http.Idempotency;
using Commerce.Hosting.Settings;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Security;

/// <summary>Per-client request limits over a real port: each policy counts on its own, per subject or per address.</summary>
public sealed class RateLimitTests
{
    private static Task<FunctionAppHarness> StartAsync(int reads, int loginFreeWrites, int writes, bool underFunctionsHost = false, string enabled = "true") =>
        FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string>
        {
            ["Catalog:SeedDemoData"] = "false",
            ["RateLimits:Enabled"] = enabled,
            ["RateLimits:AnonymousReads:PermitLimit"] = reads.ToString(CultureInfo.InvariantCulture),
            ["RateLimits:LoginFreeWrites:PermitLimit"] = loginFreeWrites.ToString(CultureInfo.InvariantCulture),
            ["RateLimits:AuthenticatedWrites:PermitLimit"] = writes.ToString(CultureInfo.InvariantCulture),
            ["RateLimits:AuthenticatedWrites:Window"] = "00:02:00",
        }, underFunctionsHost: underFunctionsHost);

    private static async Task<List<HttpStatusCode>> SendAsync(int times, Func<HttpRequestMessage> request, HttpClient client)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < times; i++)
            statuses.Add((await client.SendAsync(request())).StatusCode);
        return statuses;
    }

    private static HttpRequestMessage Get(string path, string? forwardedFor = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (forwardedFor is not null)
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        return request;
    }

    private static HttpRequestMessage Webhook() =>
        new(HttpMethod.Post, "/api/payments/webhooks/sandbox-a") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };

    private static async Task AssertTooManyAsync(HttpResponseMessage response, TimeSpan window)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":429", await response.Content.ReadAsStringAsync());
        var retryAfter = int.Parse(Assert.Single(response.Headers.GetValues("Retry-After")), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, (int)window.TotalSeconds);
    }

    [Fact]
    public async Task Anonymous_reads_past_the_limit_get_429_with_retry_after_counted_per_client_across_routes()
    {
        await using var app = await StartAsync(reads: 3, loginFreeWrites: 10, writes: 10);
        using var customer = app.ClientFor("reader", Roles.Customer);

        var first = await SendAsync(2, () => Get("/api/categories"), app.Client);
        var third = (await app.Client.SendAsync(Get("/api/health"))).StatusCode;
        var refused = await app.Client.SendAsync(Get("/api/categories"));
        var document = await app.Client.SendAsync(Get("/api/openapi.json"));
        var signedIn = await customer.SendAsync(Get("/api/categories"));
        var webhook = await app.Client.SendAsync(Webhook());

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], first);
        Assert.Equal(HttpStatusCode.OK, third);
        await AssertTooManyAsync(refused, TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.TooManyRequests, document.StatusCode);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, webhook.StatusCode);
    }

    [Fact]
    public async Task Signed_in_writes_are_limited_per_subject_and_signed_in_reads_are_not()
    {
        await using var app = await StartAsync(reads: 1, loginFreeWrites: 1, writes: 2);
        using var busy = app.ClientFor("busy", Roles.Customer);
        using var other = app.ClientFor("other", Roles.Customer);
        using var admin = app.ClientFor("ops", Roles.Admin);

        var writes = await SendAsync(2, () => new HttpRequestMessage(HttpMethod.Delete, "/api/cart"), busy);
        var refused = await busy.DeleteAsync("/api/cart");
        var othersWrite = await other.DeleteAsync("/api/cart");
        var reads = await SendAsync(5, () => Get("/api/cart"), busy);
        var adminWrites = await SendAsync(3, () => new HttpRequestMessage(HttpMethod.Post, "/api/promotions") { Content = new StringContent("{}", Encoding.UTF8, "application/json") }, admin);

        Assert.Equal([HttpStatusCode.NoContent, HttpStatusCode.NoContent], writes);
        await AssertTooManyAsync(refused, TimeSpan.FromMinutes(2));
        Assert.Equal(HttpStatusCode.NoContent, othersWrite.StatusCode);
        Assert.All(reads, s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], adminWrites);
    }

    [Fact]
    public async Task Writes_without_sign_in_are_limited_per_address_even_when_they_fail()
    {
        await using var app = await StartAsync(reads: 10, loginFreeWrites: 2, writes: 10);

        var statuses = await SendAsync(3, Webhook, app.Client);
        var refused = await app.Client.SendAsync(Webhook());

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        await AssertTooManyAsync(refused, TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task On_its_own_the_app_ignores_forwarded_addresses_so_a_client_cannot_dodge_its_limit()
    {
        await using var app = await StartAsync(reads: 2, loginFreeWrites: 10, writes: 10);

        var forged = 0;
        var statuses = await SendAsync(3, () => Get("/api/categories", $"203.0.113.{++forged}"), app.Client);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Under_the_functions_host_clients_are_told_apart_by_the_forwarded_address_and_invocations_are_never_limited()
    {
        await using var app = await StartAsync(reads: 2, loginFreeWrites: 1, writes: 1, underFunctionsHost: true);

        var first = await SendAsync(3, () => Get("/api/categories", "203.0.113.7:52144"), app.Client);
        var second = await SendAsync(2, () => Get("/api/categories", "198.51.100.1, 203.0.113.8"), app.Client);
        var invocations = await SendAsync(5, () => new HttpRequestMessage(HttpMethod.Post, "/" + IdempotencyExtensions.CleanupFunction)
        {
            Content = new StringContent("""{"Data":{"timer":{"IsPastDue":false}},"Metadata":{}}""", Encoding.UTF8, "application/json"),
        }, app.Client);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], first);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK], second);
        Assert.All(invocations, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Fact]
    public async Task Limits_can_be_turned_off_for_an_instance_behind_a_gateway_that_limits()
    {
        await using var app = await StartAsync(reads: 1, loginFreeWrites: 1, writes: 1, enabled: "false");

        var statuses = await SendAsync(4, () => Get("/api/categories"), app.Client);

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    [Theory]
    [InlineData("RateLimits:AnonymousReads:PermitLimit", "0")]
    [InlineData("RateLimits:AuthenticatedWrites:Window", "soon")]
    [InlineData("RateLimits:Enabled", "maybe")]
    public async Task A_bad_rate_limit_setting_stops_start_up_naming_it(string setting, string value)
    {
        using var data = new TempDirectory();

        var error = await Assert.ThrowsAsync<SettingsException>(() => FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string> { [setting] = value }, data.Path));

        Assert.Equal(setting, error.Setting);
    }
}
