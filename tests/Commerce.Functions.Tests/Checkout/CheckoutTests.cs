using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Commerce.Functions.Checkout;
using Commerce.Hosting.Functions;
using Commerce.Hosting.Http.Idempotency;
using Commerce.Hosting.Timers;
using Microsoft.Extensions.DependencyInjection;
using Commerce.Orders.Orders;
using Commerce.Payments.Webhooks;
using Commerce.Storage.Documents;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>Checkout and the order lifecycle end to end over a real port, one sandbox token at a time.</summary>
public sealed class CheckoutTests : IAsyncLifetime
{
    private Shop _shop = null!;

    public async Task InitializeAsync() => _shop = await Shop.OpenAsync();

    public async Task DisposeAsync() => await _shop.DisposeAsync();

    private async Task<(JsonObject Order, string Sku)> BuyAsync(string method, int quantity = 2, string? customer = null, params string[] finalStatuses)
    {
        var sku = $"S-{Guid.NewGuid():N}"[..12];
        await _shop.AddProductAsync(sku, 12.50m, 10);
        using var client = _shop.Customer(customer ?? $"c-{Guid.NewGuid():N}"[..10]);
        var response = await Shop.CheckoutAsync(client, new { paymentMethod = method, lines = new[] { new { sku, quantity } } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var placed = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal($"/api/orders/{placed["id"]}", response.Headers.Location?.ToString());
        Assert.Equal("Placed", (string?)placed["status"]);
        return (await Shop.WaitForStatusAsync(client, (string)placed["id"]!, finalStatuses.Length > 0 ? finalStatuses : ["Completed", "Cancelled"]), sku);
    }

    private static List<(string Channel, string Operation, string Outcome, string? Code)> Attempts(JsonObject order) =>
        order["payments"]!.AsArray().Select(p => ((string)p!["channel"]!, (string)p["operation"]!, (string)p["outcome"]!, (string?)p["declineCode"])).ToList();

    [Fact]
    public async Task A_visa_order_completes_takes_the_stock_and_captures_once()
    {
        var (order, sku) = await BuyAsync("pm_card_visa", 3);

        Assert.Equal("Completed", (string?)order["status"]);
        Assert.Equal([("sandbox-a", "authorize", "Approved", null), ("sandbox-a", "capture", "Approved", null)], Attempts(order));
        var stock = await _shop.StockAsync(sku);
        Assert.Equal((7, 0, 7), (stock!.OnHand, stock.Reserved, stock.Available));
        Assert.Equal(37.50m, (decimal)order["total"]!);
        Assert.NotNull(order["processingTimeMs"]);
        Assert.Contains(order["timeline"]!.AsArray(), t => (string?)t!["step"] == "paid");
    }

    [Theory]
    [InlineData("pm_card_chargeDeclined", "generic_decline")]
    [InlineData("pm_card_chargeDeclinedFraudulent", "fraudulent")]
    public async Task Hard_declines_cancel_at_once_and_give_the_stock_back(string method, string code)
    {
        var (order, sku) = await BuyAsync(method);

        Assert.Equal(("Cancelled", "payment_declined"), ((string?)order["status"], (string?)order["cancellationReason"]));
        Assert.Equal([("sandbox-a", "authorize", "Declined", code)], Attempts(order));
        var stock = await _shop.StockAsync(sku);
        Assert.Equal((10, 0), (stock!.OnHand, stock.Reserved));
    }

    [Fact]
    public async Task Insufficient_funds_is_retried_then_declined()
    {
        var (order, sku) = await BuyAsync("pm_card_chargeDeclinedInsufficientFunds");

        Assert.Equal(("Cancelled", "payment_declined"), ((string?)order["status"], (string?)order["cancellationReason"]));
        Assert.Equal(4, Attempts(order).Count(a => a is { Operation: "authorize", Code: "insufficient_funds" }));
        Assert.Equal(10, (await _shop.StockAsync(sku))!.Available);
    }

    [Fact]
    public async Task A_processing_error_clears_on_the_third_attempt()
    {
        var (order, _) = await BuyAsync("pm_card_processingError");

        Assert.Equal("Completed", (string?)order["status"]);
        Assert.Equal(["Declined", "Declined", "Approved"], Attempts(order).Where(a => a.Operation == "authorize").Select(a => a.Outcome));
    }

    [Fact]
    public async Task A_channel_that_is_down_hands_the_payment_to_the_next_channel()
    {
        var (order, _) = await BuyAsync("pm_card_channelDown");

        Assert.Equal("Completed", (string?)order["status"]);
        Assert.Equal([("sandbox-a", "authorize", "Unavailable", "channel_down"), ("sandbox-b", "authorize", "Approved", null), ("sandbox-b", "capture", "Approved", null)], Attempts(order));
    }

    [Fact]
    public async Task Net_terms_for_a_business_create_an_invoice_instead_of_a_charge()
    {
        await _shop.MakeBusinessAsync("trade-1", 1000m, 30);

        var (order, _) = await BuyAsync("pm_net_terms", 2, "trade-1");

        Assert.Equal("Completed", (string?)order["status"]);
        Assert.Equal(25.00m, (decimal)order["invoice"]!["amount"]!);
        var due = DateTimeOffset.Parse((string)order["invoice"]!["dueAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(due - DateTimeOffset.UtcNow, TimeSpan.FromDays(29.9), TimeSpan.FromDays(30.1));
    }

    [Fact]
    public async Task A_bank_transfer_waits_for_the_signed_webhook_and_then_completes()
    {
        var (order, sku) = await BuyAsync("pm_bank_transfer", 1, null, "AwaitingPayment");
        var authorization = (string)order["payments"]!.AsArray().Single()!["authorizationId"]!;
        Assert.Equal(1, (await _shop.StockAsync(sku))!.Reserved);

        var payment = new PaymentEvent("evt-" + order["id"], PaymentEvent.Confirmed, (string)order["id"]!, authorization, 12.50m, "GBP");
        var body = JsonSerializer.SerializeToUtf8Bytes(payment, DocumentJson.Options);
        var unsigned = new HttpRequestMessage(HttpMethod.Post, "/api/payments/webhooks/sandbox-a") { Content = new ByteArrayContent(body) };
        unsigned.Headers.Add(PaymentWebhooks.SignatureHeader, PaymentWebhooks.SignatureFor("not-the-secret", DateTimeOffset.UtcNow, body));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _shop.App.Client.SendAsync(unsigned)).StatusCode);
        using var owner = _shop.Customer((string)order["customerId"]!);
        Assert.Equal("AwaitingPayment", (string?)(await owner.GetFromJsonAsync<JsonObject>($"/api/orders/{order["id"]}"))!["status"]);
        var wrongAuthorization = JsonSerializer.SerializeToUtf8Bytes(payment with { Id = "evt-wrong", AuthorizationId = "auth_nobody" }, DocumentJson.Options);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await _shop.App.Client.SendAsync(Shop.SignedWebhook(wrongAuthorization))).StatusCode);
        Assert.Equal("AwaitingPayment", (string?)(await owner.GetFromJsonAsync<JsonObject>($"/api/orders/{order["id"]}"))!["status"]);

        Assert.Equal(HttpStatusCode.OK, (await _shop.App.Client.SendAsync(Shop.SignedWebhook(body))).StatusCode);

        var done = await Shop.WaitForStatusAsync(owner, (string)order["id"]!, "Completed", "Cancelled");
        Assert.Equal("Completed", (string?)done["status"]);
        Assert.Equal(9, (await _shop.StockAsync(sku))!.OnHand);
        Assert.Equal(HttpStatusCode.OK, (await _shop.App.Client.SendAsync(Shop.SignedWebhook(body))).StatusCode);
    }

    [Fact]
    public async Task Another_customers_order_does_not_exist_for_you()
    {
        var (order, _) = await BuyAsync("pm_card_visa");
        using var stranger = _shop.Customer("stranger");
        using var admin = _shop.Admin();

        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync($"/api/orders/{order["id"]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/api/orders/{order["id"]}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/orders/{order["id"]}")).StatusCode);
        foreach (var odd in new[] { "a%23b", "a%3Fb", "a%5Cb", new string('x', 300) })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/orders/{odd}")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await stranger.PostAsync($"/api/orders/{odd}/cancel", null)).StatusCode);
        }
    }

    [Fact]
    public async Task Bad_checkouts_are_4xx_and_create_no_order()
    {
        await _shop.AddProductAsync("PACK-6", 1m, 100, packSize: 6);
        await _shop.AddProductAsync("OLD-1", 1m, 100, status: Commerce.Catalog.Products.ProductStatus.Archived);
        using var client = _shop.Customer("picky");

        async Task<(HttpStatusCode Status, JsonObject? Problem)> Try(object body, bool withKey = true)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(body) };
            if (withKey)
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
            var response = await client.SendAsync(request);
            return (response.StatusCode, response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? await response.Content.ReadFromJsonAsync<JsonObject>() : null);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await Try(new { paymentMethod = "pm_card_visa" })).Status);
        Assert.NotNull((await Try(new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "NOPE", quantity = 1 } } })).Problem!["errors"]!["lines[0].sku"]);
        Assert.NotNull((await Try(new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "OLD-1", quantity = 1 } } })).Problem!["errors"]!["lines[0].sku"]);
        Assert.NotNull((await Try(new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "PACK-6", quantity = 0 } } })).Problem!["errors"]!["lines[0].quantity"]);
        Assert.NotNull((await Try(new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "PACK-6", quantity = 7 } } })).Problem!["errors"]!["lines[0].quantity"]);
        Assert.NotNull((await Try(new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "PACK-6", quantity = int.MaxValue - 1 }, new { sku = "PACK-6", quantity = 6 } } })).Problem!["errors"]!["lines[0].quantity"]);
        Assert.NotNull((await Try(new { paymentMethod = "pm_card_gold", lines = new[] { new { sku = "PACK-6", quantity = 6 } } })).Problem!["errors"]!["paymentMethod"]);
        Assert.NotNull((await Try(new { paymentMethod = "pm_net_terms", lines = new[] { new { sku = "PACK-6", quantity = 6 } } })).Problem!["errors"]!["paymentMethod"]);
        Assert.NotNull((await Try(new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "PACK-6", quantity = 6 } } }, withKey: false)).Problem!["errors"]!["Idempotency-Key"]);
        var huge = new StringContent("{\"paymentMethod\":\"pm_card_visa\",\"pad\":\"" + new string('x', 2_000_000) + "\"}", Encoding.UTF8, "application/json");
        var tooBig = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = huge };
        tooBig.Headers.Add("Idempotency-Key", "big");
        // Waiting for 100-continue lets the server refuse before the body is sent, so the 413 is always read.
        tooBig.Headers.ExpectContinue = true;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await client.SendAsync(tooBig)).StatusCode);

        var mine = (await client.GetFromJsonAsync<JsonObject>("/api/orders"))!;
        Assert.Empty(mine["orders"]!.AsArray());
        Assert.Equal(100, (await _shop.StockAsync("PACK-6"))!.Available);
    }

    [Fact]
    public async Task The_same_key_twenty_times_in_parallel_places_one_order_and_replays_it()
    {
        await _shop.AddProductAsync("IDEM-1", 5m, 100);
        using var client = _shop.Customer("retrier");
        var body = new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "IDEM-1", quantity = 1 } } };

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Shop.CheckoutAsync(client, body, "same-key")));
        var different = await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "IDEM-1", quantity = 2 } } }, "same-key");

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Single(responses.Select(r => r.Headers.Location).Distinct());
        Assert.Equal(19, responses.Count(r => r.Headers.Contains("Idempotent-Replayed")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, different.StatusCode);
        var orderId = responses[0].Headers.Location!.ToString().Split('/').Last();
        await Shop.WaitForStatusAsync(client, orderId, "Completed");
        Assert.Single((await client.GetFromJsonAsync<JsonObject>("/api/orders"))!["orders"]!.AsArray());
        Assert.Equal(99, (await _shop.StockAsync("IDEM-1"))!.OnHand);
    }

    [Fact]
    public async Task A_retry_whose_first_answer_was_lost_gets_the_order_that_was_placed_not_an_empty_cart()
    {
        await _shop.AddProductAsync("LOST-1", 4m, 10);
        using var client = _shop.Customer("unlucky");
        await client.PutAsJsonAsync("/api/cart/items/LOST-1", new { quantity = 2 });
        var first = await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa" }, "lost-answer");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        // The answer never reached the client and the key's record was lost with it (a crash before it was kept).
        var keys = _shop.App.Services.GetRequiredService<IdempotencyStore>();
        var (record, etag) = (await keys.ReadAsync("unlucky", "lost-answer", CancellationToken.None))!.Value;
        await keys.ReleaseAsync(record, etag, CancellationToken.None);
        var retried = await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa" }, "lost-answer");

        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal(first.Headers.Location, retried.Headers.Location);
        await Shop.WaitForStatusAsync(client, first.Headers.Location!.ToString().Split('/').Last(), "Completed");
        Assert.Single((await client.GetFromJsonAsync<JsonObject>("/api/orders"))!["orders"]!.AsArray());
        Assert.Equal(8, (await _shop.StockAsync("LOST-1"))!.OnHand);
    }

    [Fact]
    public async Task An_order_whose_checkout_stopped_before_starting_its_lifecycle_is_started_by_the_sweep()
    {
        await _shop.AddProductAsync("STALL-1", 3m, 10);
        var orders = _shop.App.Services.GetRequiredService<OrderRepository>();
        var placedAt = DateTimeOffset.UtcNow.AddMinutes(-10);
        await orders.CreateAsync(new Order
        {
            Id = "o-stalled-1", CustomerId = "stalled", Status = OrderStatus.Placed, Currency = "GBP", PaymentMethod = "pm_card_visa",
            Lines = [new OrderLine("STALL-1", "Product STALL-1", 2, 3m, 6m)], Total = 6m, PlacedAt = placedAt, Timeline = [new TimelineEntry(placedAt, "placed")],
        });
        var fresh = (await Shop.CheckoutAsync(_shop.Customer("in-flight"), new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "STALL-1", quantity = 1 } } })).Headers.Location!;

        var functions = _shop.App.Services.GetRequiredService<FunctionCatalog>();
        await _shop.App.Services.GetRequiredService<FunctionInvoker>().InvokeTimerAsync((TimerFunction)functions.Find(CheckoutApi.ResumeStalledFunction)!, new TimerInfo(null, false), CancellationToken.None);

        using var owner = _shop.Customer("stalled");
        await Shop.WaitForStatusAsync(owner, "o-stalled-1", "Completed");
        await Shop.WaitForStatusAsync(_shop.Customer("in-flight"), fresh.ToString().Split('/').Last(), "Completed");
        Assert.Equal(7, (await _shop.StockAsync("STALL-1"))!.OnHand);
    }

    [Fact]
    public async Task The_cart_is_priced_checked_out_and_emptied()
    {
        await _shop.AddProductAsync("CART-1", 2.55m, 100);
        using var client = _shop.Customer("carter");

        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync("/api/cart/items/cart-1", new { quantity = 10 })).StatusCode);
        var cart = (await client.GetFromJsonAsync<JsonObject>("/api/cart"))!;
        Assert.Equal(25.50m, (decimal)cart["total"]!);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync("/api/cart/items/cart-1", new { quantity = 0 })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PutAsJsonAsync("/api/cart/items/cart-1", new { quantity = Commerce.Orders.Cart.CartLine.MaxQuantity + 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PutAsJsonAsync("/api/cart/items/none", new { quantity = 1 })).StatusCode);

        var response = await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa", shippingAddress = new { name = "C", line1 = "1 High St", city = "York", postalCode = "YO1", country = "GB" } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty((await client.GetFromJsonAsync<JsonObject>("/api/cart"))!["lines"]!.AsArray());
        var order = await Shop.WaitForStatusAsync(client, (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.ToString(), "Completed");
        Assert.Equal(25.50m, (decimal)order["total"]!);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/cart")).StatusCode);
    }
}
