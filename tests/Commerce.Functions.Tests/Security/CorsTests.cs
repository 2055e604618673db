using System.Net;
using Commerce.Hosting.Http;
using Commerce.Hosting.Settings;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Security;

/// <summary>Browser clients on other origins, allowed as local.settings.json's "Host" section says (Azure Functions' own format).</summary>
public sealed class CorsTests
{
    private const string Shop = "https://shop.example";

    private static async Task<FunctionAppHarness> StartAsync(TempDirectory data, string? hostSection)
    {
        if (hostSection is not null)
            await File.WriteAllTextAsync(Path.Combine(data.Path, "local.settings.json"), $$"""{ "IsEncrypted": false, "Values": {}, "Host": {{hostSection}} }""");
        return await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string> { ["Catalog:SeedDemoData"] = "false" }, data.Path);
    }

    private static HttpRequestMessage Preflight(string path, string origin, string method, string headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return request;
    }

    private static HttpRequestMessage From(string origin, HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("Origin", origin);
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    [Fact]
    public async Task Listed_origins_get_preflights_answered_and_can_read_answers_and_refusals()
    {
        using var data = new TempDirectory();
        await using var app = await StartAsync(data, $$"""{ "LocalHttpPort": 7071, "CORS": "{{Shop}}, https://admin.example:8443", "CORSCredentials": true }""");

        var preflight = await app.Client.SendAsync(Preflight("/api/cart/items/SKU-1", Shop, "PUT", "authorization,content-type,idempotency-key,if-match"));
        var read = await app.Client.SendAsync(From(Shop, HttpMethod.Get, "/api/categories"));
        var refused = await app.Client.SendAsync(From("https://admin.example:8443", HttpMethod.Get, "/api/cart"));

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(Shop, Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal("true", Header(preflight, "Access-Control-Allow-Credentials"));
        Assert.Contains("PUT", Header(preflight, "Access-Control-Allow-Methods"));
        Assert.Contains("idempotency-key", Header(preflight, "Access-Control-Allow-Headers"), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(Shop, Header(read, "Access-Control-Allow-Origin"));
        var exposed = Header(read, "Access-Control-Expose-Headers")!.Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("ETag", exposed);
        Assert.Contains("Retry-After", exposed);
        Assert.Contains("Location", exposed);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("https://admin.example:8443", Header(refused, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task An_origin_not_listed_gets_no_cors_headers()
    {
        using var data = new TempDirectory();
        await using var app = await StartAsync(data, $$"""{ "CORS": "{{Shop}}" }""");

        var preflight = await app.Client.SendAsync(Preflight("/api/checkout", "https://evil.example", "POST", "authorization,content-type"));
        var read = await app.Client.SendAsync(From("https://shop.example.evil.example", HttpMethod.Get, "/api/categories"));

        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Null(Header(preflight, "Access-Control-Allow-Methods"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Null(Header(read, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_star_allows_every_origin_without_credentials()
    {
        using var data = new TempDirectory();
        await using var app = await StartAsync(data, """{ "CORS": "*" }""");

        var read = await app.Client.SendAsync(From("https://anyone.example", HttpMethod.Get, "/api/categories"));

        Assert.Equal("*", Header(read, "Access-Control-Allow-Origin"));
        Assert.Null(Header(read, "Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Without_a_cors_setting_no_origin_is_allowed()
    {
        using var data = new TempDirectory();
        await using var app = await StartAsync(data, null);

        var preflight = await app.Client.SendAsync(Preflight("/api/categories", Shop, "GET", "authorization"));
        var read = await app.Client.SendAsync(From(Shop, HttpMethod.Get, "/api/categories"));

        Assert.Null(Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Null(Header(read, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("shop.example", "false", CorsSettings.OriginsSetting)]
    [InlineData("https://shop.example/app", "false", CorsSettings.OriginsSetting)]
    [InlineData("ftp://shop.example", "false", CorsSettings.OriginsSetting)]
    [InlineData("*,https://shop.example", "false", CorsSettings.OriginsSetting)]
    [InlineData("*", "true", CorsSettings.CredentialsSetting)]
    [InlineData("https://shop.example", "sometimes", CorsSettings.CredentialsSetting)]
    public async Task A_bad_cors_setting_stops_start_up_naming_it(string origins, string credentials, string setting)
    {
        using var data = new TempDirectory();

        var error = await Assert.ThrowsAsync<SettingsException>(() => StartAsync(data, $$"""{ "CORS": "{{origins}}", "CORSCredentials": "{{credentials}}" }"""));

        Assert.Equal(setting, error.Setting);
    }
}
