using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Events;

public sealed class EventsApiTests : IAsyncLifetime
{
    private FunctionAppHarness _app = null!;

    public async Task InitializeAsync() =>
        _app = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string> { ["Catalog:SeedDemoData"] = "false" });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static object View(string id, DateTimeOffset at, string sku = "SKU-1") => new { id, type = "product_viewed", timestamp = at, sku };

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, object body) => client.PostAsJsonAsync("/api/events", body);

    private Task<List<string[]>> LakeAsync(string sql) => LakeRows.QueryAsync(_app.Services, sql);

    [Fact]
    public async Task An_anonymous_batch_is_accepted_and_stored_once_however_often_it_is_sent()
    {
        var now = DateTimeOffset.UtcNow;
        var batch = new { deviceId = "device-1", events = new[] { View("a1", now), View("a2", now), new { id = "a3", type = "search", timestamp = now, query = "red mug" } as object } };

        var first = await PostAsync(_app.Client, batch);
        var again = await PostAsync(_app.Client, batch);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(3, (int)(await first.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        var stored = await LakeAsync("SELECT event_id, device_id, customer_id, query FROM events WHERE source = 'client' ORDER BY event_id");
        Assert.Equal(["a1", "a2", "a3"], stored.Select(r => r[0]));
        Assert.All(stored, r => Assert.Equal(["device-1", ""], r[1..3]));
        Assert.Equal("red mug", stored[2][3]);
    }

    [Fact]
    public async Task A_signed_in_customers_events_are_theirs_whatever_the_body_says()
    {
        var now = DateTimeOffset.UtcNow;
        var response = await PostAsync(_app.ClientFor("shopper-7"), new
        {
            events = new object[]
            {
                new { id = "c1", type = "recommendation_clicked", timestamp = now, sku = "SKU-9", slot = "home-top", position = 2, experiment = "recs-v2", variant = "b", customerId = "someone-else" },
            },
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var row = Assert.Single(await LakeAsync("SELECT customer_id, slot, position, experiment, variant FROM events WHERE event_id = 'c1'"));
        Assert.Equal(["shopper-7", "home-top", "2", "recs-v2", "b"], row);
    }

    [Fact]
    public async Task Bad_events_are_named_by_index_while_the_valid_ones_of_the_batch_are_kept()
    {
        var now = DateTimeOffset.UtcNow;
        var response = await PostAsync(_app.Client, new
        {
            deviceId = "device-2",
            events = new object[]
            {
                View("ok-1", now),
                new { id = "bad-type", type = "page_scrolled", timestamp = now },
                new { id = "no-sku", type = "added_to_cart", timestamp = now },
                new { id = "bad-position", type = "recommendation_clicked", timestamp = now, sku = "A", slot = "s", position = "third" },
                new { id = "bad-time", type = "checkout_started", timestamp = "yesterday" },
                View("ok-2", now),
            },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(2, (int)problem["accepted"]!);
        Assert.Equal(["events[1].type", "events[2].sku", "events[3].position", "events[4].timestamp"], problem["errors"]!.AsObject().Select(e => e.Key).Order());
        Assert.Contains("page_scrolled", problem["errors"]!["events[1].type"]![0]!.ToString());
        Assert.Equal(["ok-1", "ok-2"], (await LakeAsync("SELECT event_id FROM events WHERE source = 'client' ORDER BY event_id")).Select(r => r[0]));
    }

    [Fact]
    public async Task A_timestamp_too_far_from_the_servers_clock_is_clamped_and_flagged()
    {
        var now = DateTimeOffset.UtcNow;
        var future = now.AddDays(3);
        var response = await PostAsync(_app.Client, new { deviceId = "device-3", events = new[] { View("skewed", future), View("fine", now.AddHours(-2)) } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var rows = await LakeAsync("SELECT event_id, clock_skewed, epoch_ms(client_time), epoch_ms(event_time), epoch_ms(received_at) FROM events ORDER BY event_id");
        var fine = rows.Single(r => r[0] == "fine");
        var skewed = rows.Single(r => r[0] == "skewed");
        Assert.Equal(["False", ""], fine[1..3]);
        Assert.Equal("True", skewed[1]);
        Assert.Equal(future.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), skewed[2]);
        Assert.Equal(skewed[4], skewed[3]);
        Assert.InRange(long.Parse(skewed[3], System.Globalization.CultureInfo.InvariantCulture), now.ToUnixTimeMilliseconds() - 60_000, now.ToUnixTimeMilliseconds() + 60_000);
    }

    [Fact]
    public async Task Batches_that_cannot_be_taken_as_a_whole_are_refused_and_store_nothing()
    {
        var now = DateTimeOffset.UtcNow;
        var anonymous = await PostAsync(_app.Client, new { events = new[] { View("x1", now) } });
        var empty = await PostAsync(_app.Client, new { deviceId = "d", events = Array.Empty<object>() });
        var tooMany = await PostAsync(_app.Client, new { deviceId = "d", events = Enumerable.Range(0, 501).Select(i => View($"m{i}", now)).ToArray() });
        var notJson = await _app.Client.PostAsync("/api/events", new StringContent("{\"events\": [", Encoding.UTF8, "application/json"));
        var loneSurrogate = await _app.Client.PostAsync("/api/events", new StringContent("{\"\\ud800\":\"x\"}", Encoding.UTF8, "application/json"));
        using var stale = new HttpClient { BaseAddress = _app.BaseAddress };
        stale.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-a-token");
        var badToken = await PostAsync(stale, new { deviceId = "d", events = new[] { View("t1", now) } });

        Assert.Equal(HttpStatusCode.BadRequest, anonymous.StatusCode);
        Assert.Contains("events[0].deviceId", (await anonymous.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, loneSurrogate.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);
        Assert.All(new[] { anonymous, empty, tooMany, notJson, loneSurrogate, badToken }, r => Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType));
        Assert.Empty(await LakeAsync("SELECT event_id FROM events"));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_event_history_insight_and_segment_routes_and_the_events_body()
    {
        var document = (await _app.Client.GetFromJsonAsync<JsonObject>("/api/openapi.json"))!;
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToHashSet();

        Assert.Superset(new HashSet<string> { "/api/events", "/api/analytics/history", "/api/analytics/segments", "/api/customers/{id}/insights", "/api/customers/me/insights" }, paths);
        var body = document["paths"]!["/api/events"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!.ToJsonString();
        Assert.Contains("EventBatchRequest", body);
        Assert.Contains("ClientEventRequest", document["components"]!["schemas"]!.ToJsonString());
    }
}
