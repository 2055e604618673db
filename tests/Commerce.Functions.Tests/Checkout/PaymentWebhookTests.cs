using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Commerce.Durable;
using Commerce.Durable.Engine;
using Commerce.Orchestrations.OrderLifecycle;
using Commerce.Payments.Channels;
using Commerce.Payments.Routing;
using Commerce.Payments.Webhooks;
using Commerce.Storage.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>Signed payment webhooks over a real port: bound to their order, acted on once.</summary>
public sealed class PaymentWebhookTests(SharedShop fixture) : IClassFixture<SharedShop>
{
    private readonly Shop _shop = fixture.Shop;

    /// <summary>A bank-transfer order waiting for its webhook, with the authorization its payment call got.</summary>
    private async Task<(string OrderId, string AuthorizationId, HttpClient Owner)> AwaitingTransferAsync(int quantity)
    {
        var owner = _shop.Customer($"c-{Guid.NewGuid():N}"[..12]);
        var response = await Shop.CheckoutAsync(owner, new { paymentMethod = PaymentMethods.BankTransfer, lines = new[] { new { sku = "WIRE-1", quantity } } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var orderId = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var order = await Shop.WaitForStatusAsync(owner, orderId, "AwaitingPayment");
        return (orderId, (string)order["payments"]!.AsArray().Single()!["authorizationId"]!, owner);
    }

    private Task<HttpResponseMessage> DeliverAsync(PaymentEvent payment) =>
        _shop.App.Client.SendAsync(Shop.SignedWebhook(JsonSerializer.SerializeToUtf8Bytes(payment, DocumentJson.Options)));

    private static async Task<string?> ResultOf(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.OK ? (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["result"] : null;

    private static async Task<string?> StatusAsync(HttpClient owner, string orderId) =>
        (string?)(await owner.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}"))!["status"];

    [Fact]
    public async Task Twenty_identical_deliveries_in_parallel_confirm_the_payment_once()
    {
        var (orderId, authorizationId, owner) = await AwaitingTransferAsync(1);
        var payment = new PaymentEvent($"evt-{orderId}", PaymentEvent.Confirmed, orderId, authorizationId, 12.50m, "GBP");

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => DeliverAsync(payment)));
        var answers = new List<(HttpStatusCode Status, string? Result)>();
        foreach (var response in responses)
            answers.Add((response.StatusCode, await ResultOf(response)));

        Assert.Single(answers, a => a == (HttpStatusCode.OK, "processed"));
        // The others were told it was done, or (while the first was still at it) to come back later.
        Assert.All(answers, a => Assert.True(a is (HttpStatusCode.OK, "processed" or "duplicate") or (HttpStatusCode.Conflict, null), a.ToString()));
        Assert.Equal("Completed", (string?)(await Shop.WaitForStatusAsync(owner, orderId, "Completed", "Cancelled"))["status"]);
        var history = await _shop.App.Services.GetRequiredService<DurableEngineClient>().GetHistoryAsync(orderId);
        Assert.Single(history!.OfType<EventRaised>(), e => e.Name == OrderEvents.PaymentConfirmed);
        var order = (await owner.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}"))!;
        Assert.Single(order["payments"]!.AsArray(), p => (string?)p!["operation"] == "capture");
        Assert.Equal("duplicate", await ResultOf(await DeliverAsync(payment)));
    }

    [Fact]
    public async Task An_event_that_does_not_match_its_order_is_422_and_changes_nothing()
    {
        var (orderId, authorizationId, owner) = await AwaitingTransferAsync(1);
        var (otherId, otherAuthorization, otherOwner) = await AwaitingTransferAsync(2);
        var matching = new PaymentEvent($"evt-{orderId}", PaymentEvent.Confirmed, orderId, authorizationId, 12.50m, "GBP");

        foreach (var (wrong, field) in new[]
        {
            (matching with { Amount = 1250m }, "amount"),
            (matching with { Currency = "EUR" }, "currency"),
            (matching with { AuthorizationId = otherAuthorization }, "authorizationId"),
            (matching with { Type = PaymentEvent.Failed, Amount = 25m }, "amount"),
        })
        {
            var response = await DeliverAsync(wrong);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![field]);
        }

        Assert.Equal("AwaitingPayment", await StatusAsync(owner, orderId));
        Assert.Equal("AwaitingPayment", await StatusAsync(otherOwner, otherId));
        var sandbox = _shop.App.Services.GetRequiredService<PaymentRouter>().Channel("sandbox-a");
        Assert.Equal(PaymentState.Pending, (await sandbox.GetStatusAsync(authorizationId))!.State);
        Assert.Equal(PaymentState.Pending, (await sandbox.GetStatusAsync(otherAuthorization))!.State);
        var history = await _shop.App.Services.GetRequiredService<DurableEngineClient>().GetHistoryAsync(orderId);
        Assert.DoesNotContain(history!.OfType<EventRaised>(), e => e.Name is OrderEvents.PaymentConfirmed or OrderEvents.PaymentFailed);

        // The refused deliveries kept no claim on the event id: the matching event with that id is acted on.
        Assert.Equal("processed", await ResultOf(await DeliverAsync(matching)));
        Assert.Equal("Completed", (string?)(await Shop.WaitForStatusAsync(owner, orderId, "Completed", "Cancelled"))["status"]);
        Assert.Equal("AwaitingPayment", await StatusAsync(otherOwner, otherId));
    }
}
