using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Durable;
using Commerce.Functions.Checkout;
using Commerce.Hosting.Auth;
using Commerce.Orchestrations.OrderLifecycle;
using Commerce.Orders.Orders;
using Commerce.Testing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>
/// The app process is killed (SIGKILL) while a checkout is between two of its writes to the order and its
/// index entries (tests/Commerce.Functions.CrashHost stops it exactly there), once per write. Whatever the
/// point, the stalled-checkout sweep of the restarted app starts the lifecycle of the order if it was stored,
/// and the client's retry ends with one order, completed.
/// </summary>
public sealed class OrderIndexCrashTests
{
    private const int Units = 10;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task An_order_stored_by_a_checkout_killed_between_its_writes_is_started_by_the_sweep(int killedBeforeWrite)
    {
        await using var host = await CrashableApp.StartAsync("order-index-crash", new Dictionary<string, string?>
        {
            ["Fulfilment__Mode"] = "auto",
            ["Http__IdempotencyLease"] = "00:00:01",
        }, [$"--PauseBeforeOrderWrite={killedBeforeWrite}"], appPath: Path.Combine(AppContext.BaseDirectory, "Commerce.Functions.CrashHost.dll"));
        var body = new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "KILL-1", quantity = 2 } } };
        var orderId = CheckoutApi.OrderIdFor("killed-buyer", "the-key");

        using var admin = host.ClientFor("ops", Roles.Admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/categories/goods", new { name = "Goods" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/products", new { sku = "KILL-1", name = "Fragile", category = "goods", listPrice = 4.00m, currency = "GBP" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync("/api/inventory/KILL-1/adjustments", new { delta = Units, reason = "stock" })).StatusCode);

        using var buyer = host.ClientFor("killed-buyer");
        var checkout = Task.Run(async () =>
        {
            try
            {
                await Shop.CheckoutAsync(buyer, body, "the-key");
            }
            catch (HttpRequestException)
            {
                // The process dies under it.
            }
        });
        await Poll.UntilAsync(() => host.Process.StandardOutput, stdout => stdout.Contains("PAUSED", StringComparison.Ordinal), TimeSpan.FromSeconds(60),
            $"the checkout to reach write {killedBeforeWrite}", TimeSpan.FromMilliseconds(20), stdout => $"\n{stdout}\n{host.Process.StandardError}");
        await host.KillAsync();
        await checkout;

        await using var restarted = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string>
        {
            ["Catalog:SeedDemoData"] = "false",
            ["Fulfilment:Mode"] = "auto",
            ["Http:IdempotencyLease"] = "00:00:01",
            ["Queues:MaxPollingInterval"] = "00:00:00.200",
        }, host.DataPath);
        var services = restarted.Services;
        var orders = services.GetRequiredService<OrderRepository>();
        var orchestrations = services.GetRequiredService<DurableTaskClient>();
        var stored = await orders.GetAsync(orderId);

        // Late enough for the sweep to take the order for stalled, and an index entry without its order for abandoned.
        var sweptAt = DateTimeOffset.UtcNow + OrderLifecycleStarter.UnstoredAfter + TimeSpan.FromMinutes(1);
        var resumed = await OrderLifecycleStarter.ResumeStalledAsync(orders, orchestrations, services.GetRequiredService<LifecycleTimings>(), sweptAt);

        Assert.Equal(stored is null ? 0 : 1, resumed);
        Assert.Equal(stored is not null, await orchestrations.GetInstanceAsync(orderId) is not null);
        var listed = await orders.ListAsync(null, sweptAt.AddDays(-1), sweptAt, 100, null);
        Assert.Equal(stored is not null, listed.Orders.Any(o => o.Id == orderId));
        using var retrying = restarted.ClientFor("killed-buyer");
        var retried = await Shop.CheckoutAsync(retrying, body, "the-key");
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal($"/api/orders/{orderId}", retried.Headers.Location?.ToString());
        Assert.Equal("Completed", (string?)(await Shop.WaitForStatusAsync(retrying, orderId, "Completed", "Cancelled"))["status"]);
        Assert.Single((await retrying.GetFromJsonAsync<JsonObject>("/api/orders"))!["orders"]!.AsArray());
        Assert.Equal(Units - 2, (await services.GetRequiredService<Commerce.Catalog.Inventory.InventoryService>().GetAsync("KILL-1"))!.OnHand);
    }
}
