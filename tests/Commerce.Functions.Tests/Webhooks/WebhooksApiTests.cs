using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Functions.Tests.Checkout;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Webhooks;

/// <summary>Partner webhooks through the app: the admin API, deliveries to a real local receiver, and checkout that never waits for them.</summary>
public sealed class WebhooksApiTests : IAsyncLifetime
{
    private Shop _shop = null!;
    private PartnerReceiver _receiver = null!;

    public async Task InitializeAsync()
    {
        _receiver = await PartnerReceiver.StartAsync();
        _shop = await Shop.OpenAsync(new Dictionary<string, string>
        {
            ["Webhooks:AllowPrivateNetworks"] = "true",
            ["Webhooks:DispatchSchedule"] = "* * * * * *",
        });
        await _shop.AddProductAsync("WH-1", 4m, stock: 100);
    }

    public async Task DisposeAsync()
    {
        await _shop.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task<JsonObject> SubscribeAsync(HttpClient admin, params string[] types)
    {
        var created = await admin.PostAsJsonAsync("/api/webhook-subscriptions", new { url = _receiver.Url, eventTypes = types });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done, string what) =>
        Poll.UntilAsync(read, done, TimeSpan.FromSeconds(60), what, TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task A_subscription_gets_its_order_events_signed_with_its_secret_and_its_log_shows_them_delivered()
    {
        using var admin = _shop.Admin();
        var subscription = await SubscribeAsync(admin, "order_placed", "order_completed");
        var id = (string)subscription["id"]!;
        var secret = (string)subscription["secret"]!;
        using var buyer = _shop.Customer("wh-buyer");

        var order = await Shop.PlaceAsync(buyer, "pm_card_visa", "WH-1", 2);
        await Shop.WaitForStatusAsync(buyer, order, "Completed");
        var log = await EventuallyAsync(async () => (await admin.GetFromJsonAsync<JsonArray>($"/api/webhook-subscriptions/{id}/deliveries"))!,
            l => l.Count(d => (string?)d!["status"] == "Delivered") == 2, "two deliveries");

        Assert.Equal(["order_completed", "order_placed"], log.Select(d => (string)d!["eventType"]!).Order());
        Assert.Equal([$"order:{order}:completed", $"order:{order}:placed"], _receiver.Requests.Select(r => r.Id).Order());
        Assert.All(_receiver.Requests, r => Assert.Equal(PartnerReceiver.ExpectedSignature(secret, r), r.Signature));
        Assert.All(_receiver.Requests, r => Assert.Equal(order, (string?)JsonNode.Parse(r.Body)!["data"]!["orderId"]));
        var shown = (await admin.GetFromJsonAsync<JsonObject>($"/api/webhook-subscriptions/{id}"))!;
        Assert.Null(shown["secret"]);
        Assert.DoesNotContain(secret, await admin.GetStringAsync("/api/webhook-subscriptions"));

        var redelivered = await admin.PostAsync($"/api/webhook-subscriptions/{id}/deliveries/{Uri.EscapeDataString($"order:{order}:placed")}/redeliver", null);
        Assert.Equal(HttpStatusCode.Accepted, redelivered.StatusCode);
        await EventuallyAsync(() => Task.FromResult(_receiver.Requests.Count), c => c == 3, "the redelivery");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/webhook-subscriptions/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/webhook-subscriptions/{id}")).StatusCode);
    }

    [Fact]
    public async Task A_partner_that_does_not_answer_holds_up_no_checkout()
    {
        using var admin = _shop.Admin();
        await SubscribeAsync(admin, "*");
        _receiver.Hold = true;
        using var buyer = _shop.Customer("wh-patient");

        var first = await Shop.PlaceAsync(buyer, "pm_card_visa", "WH-1", 1);
        await EventuallyAsync(() => Task.FromResult(_receiver.Requests.Count), c => c > 0, "a delivery to reach the partner");
        var second = await Shop.PlaceAsync(buyer, "pm_card_visa", "WH-1", 1);
        await Shop.WaitForStatusAsync(buyer, first, "Completed");
        await Shop.WaitForStatusAsync(buyer, second, "Completed");

        // Both orders completed while the partner still held its first request unanswered.
        Assert.False(_receiver.Released);
        _receiver.Release();
    }

    [Theory]
    [InlineData("""{"url":"https://partner.example/hooks","eventTypes":["order_shipped"]}""", "eventTypes")]
    [InlineData("""{"url":"https://partner.example/hooks","eventTypes":[]}""", "eventTypes")]
    [InlineData("""{"url":"ftp://partner.example/hooks","eventTypes":["*"]}""", "url")]
    [InlineData("""{"url":"hooks","eventTypes":["*"]}""", "url")]
    [InlineData("""{"url":"https://user:pw@partner.example/hooks","eventTypes":["*"]}""", "url")]
    [InlineData("""{"url":"https://partner.example/hooks","eventTypes":["*"],"secret":"not-a-secret"}""", "secret")]
    public async Task A_bad_subscription_is_a_problem_naming_the_field_and_adds_nothing(string body, string field)
    {
        using var admin = _shop.Admin();

        var response = await admin.PostAsync("/api/webhook-subscriptions", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![field]);
        Assert.Empty((await admin.GetFromJsonAsync<JsonArray>("/api/webhook-subscriptions"))!);
    }
}

/// <summary>The app as deployed: private and loopback partner addresses are refused when a subscription is made.</summary>
public sealed class WebhookAddressTests
{
    [Theory]
    [InlineData("https://127.0.0.1/hooks")]
    [InlineData("https://10.0.0.8/hooks")]
    [InlineData("https://169.254.169.254/metadata")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://localhost/hooks")]
    [InlineData("http://partner.example/hooks")]
    public async Task Outside_development_a_subscription_to_a_private_or_loopback_address_is_refused(string url)
    {
        await using var shop = await Shop.OpenAsync(new Dictionary<string, string> { ["Webhooks:AllowPrivateNetworks"] = "false" });
        using var admin = shop.Admin();

        var response = await admin.PostAsJsonAsync("/api/webhook-subscriptions", new { url, eventTypes = new[] { "*" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["url"]);
    }
}
