using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Catalog.Inventory;
using Commerce.Catalog.Pricing;
using Commerce.Durable;
using Commerce.Events.Outbox;
using Commerce.Hosting.Http.Idempotency;
using Commerce.Storage.Documents;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>The parts of the lifecycle that wait: payment deadlines, shipment, customer cancellation; and many buyers at once.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task An_unpaid_bank_transfer_is_cancelled_at_its_deadline_and_the_stock_released()
    {
        await using var shop = await Shop.OpenAsync(new Dictionary<string, string> { ["Orders:PaymentDeadline"] = "00:00:02" });
        await shop.AddProductAsync("BANK-1", 10m, 5);
        using var client = shop.Customer("slow-payer");

        var placed = await Shop.CheckoutAsync(client, new { paymentMethod = "pm_bank_transfer", lines = new[] { new { sku = "BANK-1", quantity = 2 } } });
        var id = (string)(await placed.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await Shop.WaitForStatusAsync(client, id, "AwaitingPayment");
        Assert.Equal(2, (await shop.StockAsync("BANK-1"))!.Reserved);
        var order = await Shop.WaitForStatusAsync(client, id, "Cancelled");

        Assert.Equal("payment_timeout", (string?)order["cancellationReason"]);
        var stock = await shop.StockAsync("BANK-1");
        Assert.Equal((5, 0), (stock!.OnHand, stock.Reserved));
        Assert.Contains(order["payments"]!.AsArray(), p => (string?)p!["operation"] == "void");
    }

    [Fact]
    public async Task A_customer_cancel_before_shipment_refunds_and_restocks_and_shipment_events_complete_the_rest()
    {
        await using var shop = await Shop.OpenAsync(new Dictionary<string, string> { ["Fulfilment:Mode"] = "manual" });
        await shop.AddProductAsync("SHIP-1", 8m, 10);
        using var client = shop.Customer("changes-mind");
        using var admin = shop.Admin();

        var first = (string)(await (await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "SHIP-1", quantity = 3 } } })).Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var second = (string)(await (await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "SHIP-1", quantity = 1 } } })).Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await Shop.WaitForStatusAsync(client, first, "Fulfilling");
        await Shop.WaitForStatusAsync(client, second, "Fulfilling");
        Assert.Equal(6, (await shop.StockAsync("SHIP-1"))!.OnHand);

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/orders/{first}/cancel", null)).StatusCode);
        var cancelled = await Shop.WaitForStatusAsync(client, first, "Cancelled");
        Assert.Equal("customer_cancelled", (string?)cancelled["cancellationReason"]);
        Assert.Contains(cancelled["payments"]!.AsArray(), p => (string?)p!["operation"] == "refund" && (string?)p["outcome"] == "Approved");
        Assert.Equal(9, (await shop.StockAsync("SHIP-1"))!.OnHand);

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsJsonAsync($"/api/orders/{second}/shipment-events", new { type = "Lost" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsJsonAsync($"/api/orders/{second}/shipment-events", new { type = "Shipped" })).StatusCode);
        await Shop.WaitForStatusAsync(client, second, "Shipped");
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/api/orders/{second}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsJsonAsync($"/api/orders/{second}/shipment-events", new { type = "Delivered" })).StatusCode);
        var completed = await Shop.WaitForStatusAsync(client, second, "Completed");
        Assert.NotNull(completed["shipment"]!["deliveredAt"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsJsonAsync($"/api/orders/{second}/shipment-events", new { type = "Shipped" })).StatusCode);
    }

    [Fact]
    public async Task Two_hundred_buyers_for_fifty_units_get_fifty_orders_and_the_rest_are_out_of_stock()
    {
        await using var shop = await Shop.OpenAsync();
        await shop.AddProductAsync("HOT-1", 20m, 50);

        var placed = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var client = shop.Customer($"fan-{i}");
            var response = await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "HOT-1", quantity = 1 } } });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return ($"fan-{i}", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!);
        }));
        var finals = await Task.WhenAll(placed.Select(async p =>
        {
            using var client = shop.Customer(p.Item1);
            return await Shop.WaitForStatusAsync(client, p.Item2, "Completed", "Cancelled");
        }));

        Assert.Equal(50, finals.Count(o => (string?)o["status"] == "Completed"));
        Assert.Equal(150, finals.Count(o => (string?)o["cancellationReason"] == "out_of_stock"));
        var stock = await shop.StockAsync("HOT-1");
        Assert.Equal((0, 0, 0), (stock!.OnHand, stock.Reserved, stock.Available));
    }

    private static readonly Dictionary<string, string> ManualFulfilment = new() { ["Fulfilment:Mode"] = "manual" };

    private static List<(string Operation, string Outcome)> Payments(JsonObject order) =>
        order["payments"]!.AsArray().Select(p => ((string)p!["operation"]!, (string)p["outcome"]!)).ToList();

    [Fact]
    public async Task A_late_payment_after_the_reservation_lapsed_takes_the_stock_again_or_is_refunded_and_cancelled_as_out_of_stock()
    {
        await using var shop = await Shop.OpenAsync();
        await shop.AddProductAsync("LAPSE-1", 10m, 5);
        using var lucky = shop.Customer("slow-but-lucky");
        using var unlucky = shop.Customer("slow-and-unlucky");
        using var card = shop.Customer("pays-by-card");
        var first = await Shop.PlaceAsync(lucky, "pm_bank_transfer", "LAPSE-1", 2);
        var second = await Shop.PlaceAsync(unlucky, "pm_bank_transfer", "LAPSE-1", 3);
        var firstWaiting = await Shop.WaitForStatusAsync(lucky, first, "AwaitingPayment");
        var secondWaiting = await Shop.WaitForStatusAsync(unlucky, second, "AwaitingPayment");
        Assert.Equal(5, (await shop.StockAsync("LAPSE-1"))!.Reserved);

        // Three hours on, both holds (about 1.5 h) have lapsed and the sweep gives their units back; a card buyer takes 3 of the 5.
        var threeHoursOn = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(3));
        await new InventoryService(shop.App.Services.GetRequiredService<IDocumentStore>(), shop.App.Services.GetRequiredService<EventOutbox>(), shop.App.Services.GetRequiredService<InventoryOptions>(), threeHoursOn).ReleaseExpiredAsync();
        Assert.Equal((5, 0), ((await shop.StockAsync("LAPSE-1"))!.OnHand, (await shop.StockAsync("LAPSE-1"))!.Reserved));
        var bought = await Shop.PlaceAsync(card, "pm_card_visa", "LAPSE-1", 3);
        Assert.Equal("Completed", (string?)(await Shop.WaitForStatusAsync(card, bought, "Completed", "Cancelled"))["status"]);

        await shop.ConfirmPaymentAsync(firstWaiting);
        var paid = await Shop.WaitForStatusAsync(lucky, first, "Completed", "Cancelled");
        Assert.Equal("Completed", (string?)paid["status"]);
        Assert.Equal((5 - 3 - 2, 0), ((await shop.StockAsync("LAPSE-1"))!.OnHand, (await shop.StockAsync("LAPSE-1"))!.Reserved));

        await shop.ConfirmPaymentAsync(secondWaiting);
        var refunded = await Shop.WaitForStatusAsync(unlucky, second, "Completed", "Cancelled");
        Assert.Equal(("Cancelled", "out_of_stock"), ((string?)refunded["status"], (string?)refunded["cancellationReason"]));
        Assert.Equal([("authorize", "Pending"), ("capture", "Approved"), ("refund", "Approved")], Payments(refunded));
        var stock = await shop.StockAsync("LAPSE-1");
        Assert.Equal((0, 0), (stock!.OnHand, stock.Reserved));
    }

    [Fact]
    public async Task A_checkout_retried_after_its_idempotency_record_expired_never_restarts_a_terminated_lifecycle()
    {
        await using var shop = await Shop.OpenAsync(ManualFulfilment);
        await shop.AddProductAsync("RETRY-1", 6m, 10);
        using var client = shop.Customer("patient");
        var body = new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "RETRY-1", quantity = 4 } } };
        var placed = await Shop.CheckoutAsync(client, body, "retry-key");
        var id = (string)(await placed.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await Shop.WaitForStatusAsync(client, id, "Fulfilling");
        var orchestrations = shop.App.Services.GetRequiredService<DurableTaskClient>();
        await orchestrations.TerminateInstanceAsync(id, "stopped by an operator");
        var terminated = await orchestrations.WaitForInstanceCompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, terminated.RuntimeStatus);

        // A day and more later the key's record has expired, so the retry runs as a new request for the same order.
        var dayOn = new FakeTimeProvider(DateTimeOffset.UtcNow + IdempotencyStore.Retention + TimeSpan.FromHours(1));
        Assert.True(await new IdempotencyStore(shop.App.Services.GetRequiredService<IDocumentStore>(), dayOn).DeleteExpiredAsync(CancellationToken.None) >= 1);
        var retried = await Shop.CheckoutAsync(client, body, "retry-key");

        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal(placed.Headers.Location, retried.Headers.Location);
        var after = await orchestrations.GetInstanceAsync(id);
        Assert.Equal((OrchestrationRuntimeStatus.Terminated, terminated.CreatedAt), (after!.RuntimeStatus, after.CreatedAt));
        var order = (await client.GetFromJsonAsync<JsonObject>($"/api/orders/{id}"))!;
        Assert.Equal(("Fulfilling", null), ((string?)order["status"], (string?)order["cancellationReason"]));
        Assert.Equal(6, (await shop.StockAsync("RETRY-1"))!.OnHand);
    }

    [Fact]
    public async Task An_order_lifecycle_is_not_terminated_but_cancelled_by_the_shop_which_undoes_payment_and_stock()
    {
        await using var shop = await Shop.OpenAsync(ManualFulfilment);
        await shop.AddProductAsync("STOP-1", 5m, 10);
        using var client = shop.Customer("stuck");
        using var admin = shop.Admin();
        var paid = await Shop.PlaceAsync(client, "pm_card_visa", "STOP-1", 4);
        var waiting = await Shop.PlaceAsync(client, "pm_bank_transfer", "STOP-1", 3);
        await Shop.WaitForStatusAsync(client, paid, "Fulfilling");
        await Shop.WaitForStatusAsync(client, waiting, "AwaitingPayment");
        Assert.Equal((6, 3), ((await shop.StockAsync("STOP-1"))!.OnHand, (await shop.StockAsync("STOP-1"))!.Reserved));

        var terminate = await admin.PostAsJsonAsync($"/api/orchestrations/{paid}/terminate", new { reason = "looks stuck" });
        Assert.Equal(HttpStatusCode.Conflict, terminate.StatusCode);
        Assert.Equal("application/problem+json", terminate.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"/api/orders/{paid}/cancel", (string?)(await terminate.Content.ReadFromJsonAsync<JsonObject>())!["detail"]);
        Assert.Equal("Running", (string?)(await admin.GetFromJsonAsync<JsonObject>($"/api/orchestrations/{paid}"))!["status"]);

        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/api/orders/{paid}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync($"/api/orders/{waiting}/cancel", null)).StatusCode);
        var refunded = await Shop.WaitForStatusAsync(client, paid, "Cancelled");
        var voided = await Shop.WaitForStatusAsync(client, waiting, "Cancelled");

        Assert.Equal("shop_cancelled", (string?)refunded["cancellationReason"]);
        Assert.Equal([("authorize", "Approved"), ("capture", "Approved"), ("refund", "Approved")], Payments(refunded));
        Assert.Equal("shop_cancelled", (string?)voided["cancellationReason"]);
        Assert.Equal([("authorize", "Pending"), ("void", "Approved")], Payments(voided));
        var stock = await shop.StockAsync("STOP-1");
        Assert.Equal((10, 0), (stock!.OnHand, stock.Reserved));
    }

    [Fact]
    public async Task A_cancelled_order_gives_its_coupon_use_back()
    {
        await using var shop = await Shop.OpenAsync();
        await shop.AddProductAsync("COUPON-1", 20m, 10);
        await shop.App.Services.GetRequiredService<PricingStore>().CreatePromotionAsync(new Promotion
        {
            Id = "once-only", Name = "A quarter off, once", Kind = PromotionKind.PercentOff, Value = 25, Coupon = "ONCE", UsageLimit = 1,
        });
        using var first = shop.Customer("first-to-use");
        using var second = shop.Customer("second-to-use");
        var used = await Shop.PlaceAsync(first, "pm_bank_transfer", "COUPON-1", 1, "ONCE");
        await Shop.WaitForStatusAsync(first, used, "AwaitingPayment");
        var usedUp = await Shop.CheckoutAsync(second, new { paymentMethod = "pm_card_visa", coupon = "ONCE", lines = new[] { new { sku = "COUPON-1", quantity = 1 } } });
        Assert.Equal(HttpStatusCode.BadRequest, usedUp.StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await first.PostAsync($"/api/orders/{used}/cancel", null)).StatusCode);
        Assert.Equal("customer_cancelled", (string?)(await Shop.WaitForStatusAsync(first, used, "Cancelled"))["cancellationReason"]);
        var reused = await Shop.PlaceAsync(second, "pm_card_visa", "COUPON-1", 1, "ONCE");

        var order = await Shop.WaitForStatusAsync(second, reused, "Completed", "Cancelled");
        Assert.Equal(("Completed", 15m), ((string?)order["status"], (decimal)order["total"]!));
        Assert.Equal(1, (await shop.App.Services.GetRequiredService<PricingStore>().PromotionsAsync()).Single(p => p.Id == "once-only").TimesUsed);
    }
}
