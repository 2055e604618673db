using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Hosting.Auth;
using Commerce.Payments.Channels;
using Commerce.Storage.Documents;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;
using Xunit.Abstractions;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>
/// The app process is killed (SIGKILL) while 100 checkouts are in flight, restarted, and the clients retry
/// with their idempotency keys. After draining: every order has finished, none was charged twice, and the
/// stock that left is exactly what the completed orders took.
/// </summary>
public sealed class CheckoutCrashTests(ITestOutputHelper output)
{
    private const int Buyers = 100;
    private const int Units = 1_000;

    [Fact]
    public async Task Killing_the_app_mid_checkout_loses_no_order_charges_none_twice_and_oversells_nothing()
    {
        await using var app = await CrashableApp.StartAsync("checkout-crash", new Dictionary<string, string?>
        {
            ["Fulfilment__Mode"] = "auto",
            ["Queues__MessageLease"] = "00:00:03",
            ["Queues__MaxPollingInterval"] = "00:00:00.200",
            ["Http__IdempotencyLease"] = "00:00:03",
            ["Payments__Sandbox__LatencyMs"] = "20",
        });
        using var admin = app.ClientFor("ops", Roles.Admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/categories/goods", new { name = "Goods" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/products", new { sku = "CRASH-1", name = "Sturdy", category = "goods", listPrice = 3.00m, currency = "GBP" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync("/api/inventory/CRASH-1/adjustments", new { delta = Units, reason = "stock" })).StatusCode);

        var keys = Enumerable.Range(0, Buyers).Select(i => (Buyer: $"buyer-{i}", Key: $"key-{i}", Quantity: 1 + i % 3)).ToList();
        async Task<HttpResponseMessage?> Checkout((string Buyer, string Key, int Quantity) k)
        {
            using var client = app.ClientFor(k.Buyer);
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "CRASH-1", quantity = k.Quantity } } }) };
            request.Headers.Add("Idempotency-Key", k.Key);
            try
            {
                return await client.SendAsync(request);
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }

        var firstTry = await app.KillWhileInFlightAsync(keys.Select(Checkout), answered: Buyers / 4);
        output.WriteLine($"{firstTry.Count(r => r?.StatusCode == HttpStatusCode.Accepted)} of {Buyers} checkouts were answered before the kill");

        await app.RestartAsync();
        var retried = await Task.WhenAll(keys.Select(Checkout));
        Assert.All(retried, r => Assert.Equal(HttpStatusCode.Accepted, r!.StatusCode));
        var orderIds = await Task.WhenAll(retried.Select(async r => (string)(await r!.Content.ReadFromJsonAsync<JsonObject>())!["id"]!));
        Assert.Equal(Buyers, orderIds.Distinct().Count());

        var finals = new List<JsonObject>();
        foreach (var id in orderIds)
            finals.Add(await Shop.WaitForStatusAsync(admin, id, "Completed", "Cancelled"));
        var stock = (await admin.GetFromJsonAsync<JsonObject>("/api/inventory/CRASH-1"))!;
        await app.StopAsync();

        Assert.All(finals, o => Assert.Equal("Completed", (string?)o["status"]));
        var sold = finals.Sum(o => o["lines"]!.AsArray().Sum(l => (int)l!["quantity"]!));
        Assert.Equal(Units - sold, (int)stock["onHand"]!);
        Assert.Equal(0, (int)stock["reserved"]!);

        using var database = new SqliteDatabase(Path.Combine(app.DataPath, "documents.db"));
        var ledger = await new SqliteDocumentStore(database).GetContainerAsync(SandboxChannel.Container);
        foreach (var order in finals)
        {
            var authorizations = order["payments"]!.AsArray().Where(p => (string?)p!["operation"] == "authorize" && (string?)p["outcome"] == "Approved")
                .Select(p => (string)p!["authorizationId"]!).Distinct().ToList();
            var captured = 0m;
            foreach (var authorization in authorizations)
            {
                var payment = await ledger.ReadAsync(authorization, "authorization");
                captured += JsonNode.Parse(payment!.Json.Span)!["captured"]!.GetValue<decimal>();
            }
            Assert.Equal((decimal)order["total"]!, captured);
        }
    }
}
