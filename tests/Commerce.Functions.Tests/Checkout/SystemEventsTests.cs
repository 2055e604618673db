using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>The events the system records about orders, payments and stock, as they reach the lake.</summary>
public sealed class SystemEventsTests : IAsyncLifetime
{
    private Shop _shop = null!;

    public async Task InitializeAsync()
    {
        _shop = await Shop.OpenAsync();
        await _shop.AddProductAsync("EV-1", 10m, stock: 100);
        await _shop.AddProductAsync("EV-2", 4m, stock: 1);
    }

    public async Task DisposeAsync() => await _shop.DisposeAsync();

    private Task<List<string[]>> LakeAsync(string sql, params object?[] parameters) => LakeRows.QueryAsync(_shop.App.Services, sql, parameters);

    private async Task<string> PlaceAsync(string customer, string method, string sku, int quantity, params string[] until) =>
        await PlaceAsync(customer, new { paymentMethod = method, lines = new[] { new { sku, quantity } } }, until);

    private Task<string> PlaceAsync(string customer, object checkout, params string[] until) => _shop.PlaceAsync(customer, checkout, until);

    [Fact]
    public async Task A_paid_order_leaves_its_placed_payment_paid_and_completed_events_numbered_in_order_and_its_facts()
    {
        var id = await PlaceAsync("ev-buyer", "pm_card_visa", "EV-1", 3, "Completed");

        var events = await LakeAsync("SELECT type, sequence, operation, outcome, amount FROM events WHERE order_id = $1 ORDER BY sequence", id);
        Assert.Equal(
            ["order_placed", "payment_attempted authorize Approved", "payment_attempted capture Approved", "order_paid", "order_completed"],
            events.Select(e => string.Join(" ", new[] { e[0], e[2], e[3] }.Where(p => p.Length > 0))));
        Assert.Equal(["1", "2", "3", "4", "5"], events.Select(e => e[1]));
        Assert.All(events.Where(e => e[0] != "payment_attempted"), e => Assert.Equal(30m, decimal.Parse(e[4], System.Globalization.CultureInfo.InvariantCulture)));
        var order = Assert.Single(await LakeAsync("SELECT status, total, processing_ms > 0 FROM orders WHERE order_id = $1", id));
        Assert.Equal(["Completed", "30.0000", "True"], order);
        Assert.Equal(["EV-1", "3", "10.0000", "10.0000", "False"], Assert.Single(await LakeAsync("SELECT sku, quantity, unit_price, list_unit_price, discounted FROM order_lines WHERE order_id = $1", id)));
    }

    [Fact]
    public async Task A_line_bought_under_a_promotion_is_marked_discounted_against_its_list_price()
    {
        using var admin = _shop.Admin();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/promotions", new { name = "Ten off", kind = "percentOff", value = 10m, coupon = "EV10" })).StatusCode);
        var id = await PlaceAsync("ev-saver", new { paymentMethod = "pm_card_visa", coupon = "EV10", lines = new[] { new { sku = "EV-1", quantity = 2 } } }, "Completed");

        Assert.Equal(["9.0000", "10.0000", "True"], Assert.Single(await LakeAsync("SELECT unit_price, list_unit_price, discounted FROM order_lines WHERE order_id = $1", id)));
    }

    [Fact]
    public async Task A_declined_payment_is_an_attempt_with_its_decline_code_and_the_cancellation_carries_the_reason()
    {
        var id = await PlaceAsync("ev-declined", "pm_card_chargeDeclined", "EV-1", 1, "Cancelled");

        var events = await LakeAsync("SELECT type, outcome, decline_code, reason, channel FROM events WHERE order_id = $1 ORDER BY sequence", id);
        var attempt = events.First(e => e[0] == "payment_attempted");
        Assert.Equal(["Declined", "generic_decline"], attempt[1..3]);
        Assert.StartsWith("sandbox-", attempt[4]);
        Assert.Equal("payment_declined", events.Single(e => e[0] == "order_cancelled")[3]);
        Assert.Empty(await LakeAsync("SELECT * FROM order_lines WHERE order_id = $1", id));
    }

    [Fact]
    public async Task A_reservation_short_of_stock_is_a_stock_out_of_the_sku()
    {
        var id = await PlaceAsync("ev-short", "pm_card_visa", "EV-2", 5, "Cancelled");

        var stockOut = Assert.Single(await LakeAsync("SELECT subject, sku, quantity, sequence FROM events WHERE type = 'stock_out' AND order_id = $1", id));
        Assert.Equal(["sku:EV-2", "EV-2", "5", "1"], stockOut);
        Assert.Equal("out_of_stock", Assert.Single(await LakeAsync("SELECT reason FROM events WHERE type = 'order_cancelled' AND order_id = $1", id))[0]);
    }
}
