using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Events.Outbox;
using Commerce.Events.Relay;
using Commerce.Functions.Tests.Checkout;
using Commerce.Hosting.Auth;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Queues.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;
using Xunit.Abstractions;

namespace Commerce.Functions.Tests.Events;

/// <summary>
/// The app process is killed (SIGKILL) while checkouts are in flight and the relay runs every second, so the kill
/// lands between changes and their relay (and maybe inside a relay run). After a restart every event recorded for
/// every order reaches the commerce-events queue, each order's in its recorded order.
/// </summary>
public sealed class RelayCrashTests(ITestOutputHelper output)
{
    private const int Buyers = 30;

    [Fact]
    public async Task Killing_the_app_between_changes_and_their_relay_loses_no_event()
    {
        await using var app = await CrashableApp.StartAsync("relay-crash", new Dictionary<string, string?>
        {
            ["Fulfilment__Mode"] = "auto",
            ["Queues__MessageLease"] = "00:00:03",
            ["Queues__MaxPollingInterval"] = "00:00:00.200",
            ["Http__IdempotencyLease"] = "00:00:03",
            ["IntegrationEvents__RelaySchedule"] = "* * * * * *",
        });
        using var admin = app.ClientFor("ops", Roles.Admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/categories/goods", new { name = "Goods" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/products", new { sku = "RELAY-1", name = "Relayed", category = "goods", listPrice = 2.00m, currency = "GBP" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync("/api/inventory/RELAY-1/adjustments", new { delta = 1_000, reason = "stock" })).StatusCode);

        async Task<HttpResponseMessage?> Checkout(int buyer)
        {
            using var client = app.ClientFor($"relay-buyer-{buyer}");
            try
            {
                return await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "RELAY-1", quantity = 1 } } }, $"relay-key-{buyer}");
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }

        await app.KillWhileInFlightAsync(Enumerable.Range(0, Buyers).Select(Checkout), answered: Buyers / 3);

        await app.RestartAsync();
        var retried = await Task.WhenAll(Enumerable.Range(0, Buyers).Select(Checkout));
        Assert.All(retried, r => Assert.Equal(HttpStatusCode.Accepted, r!.StatusCode));
        var orderIds = await Task.WhenAll(retried.Select(async r => (string)(await r!.Content.ReadFromJsonAsync<JsonObject>())!["id"]!));
        foreach (var id in orderIds)
            await Shop.WaitForStatusAsync(admin, id, "Completed");

        // What the outbox recorded, read from the app's store files.
        using var documents = new SqliteDatabase(Path.Combine(app.DataPath, "documents.db"));
        var outbox = new EventOutbox(new SqliteDocumentStore(documents), new OutboxConsumers());
        var recorded = new Dictionary<string, List<string>>();
        foreach (var id in orderIds)
            recorded[id] = [.. (await outbox.ReadAsync($"order:{id}")).Select(e => e.Id)];
        Assert.All(recorded.Values, ids => Assert.Equal(5, ids.Count));

        // What reached the queue, taken while the restarted app's relay still runs.
        using var queues = new SqliteDatabase(Path.Combine(app.DataPath, "queues.db"));
        var queue = await new SqliteQueueStore(queues).GetQueueAsync(IntegrationEventFormat.Destination);
        var received = new List<IntegrationEvent>();
        var expected = recorded.Values.SelectMany(ids => ids).ToHashSet();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!expected.IsSubsetOf(received.Select(e => e.Id)) && DateTime.UtcNow < deadline)
        {
            var batch = await queue.DequeueAsync(32, TimeSpan.FromHours(1));
            received.AddRange(batch.Select(m => IntegrationEvent.Decode(Encoding.UTF8.GetBytes(m.Body))));
            if (batch.Count == 0)
                await Task.Delay(200);
        }
        await app.StopAsync();
        output.WriteLine($"{received.Count} messages for {expected.Count} events: {received.Count - received.Select(e => e.Id).Distinct().Count()} sent again after the kill");

        foreach (var (id, ids) in recorded)
        {
            var relayed = received.Where(e => e.Subject == $"order:{id}").ToList();
            Assert.Equal(ids, relayed.DistinctBy(e => e.Id).OrderBy(e => e.Sequence).Select(e => e.Id));
            // A repeat is the same event: same id, same place in the order's sequence.
            Assert.All(relayed.GroupBy(e => e.Id), copies => Assert.Single(copies.Select(e => e.Sequence).Distinct()));
            Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), relayed.DistinctBy(e => e.Id).Select(e => e.Sequence).Order());
        }
    }
}
