using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>An order is paid in one currency: carts and checkouts never add amounts of different currencies.</summary>
public sealed class CurrencyTests(SharedShop fixture) : IClassFixture<SharedShop>
{
    private readonly Shop _shop = fixture.Shop;

    [Fact]
    public async Task A_cart_in_two_currencies_shows_a_total_per_currency_and_its_checkout_is_422_naming_every_line()
    {
        using var client = _shop.Customer($"c-{Guid.NewGuid():N}"[..12]);
        await client.PutAsJsonAsync("/api/cart/items/CUR-GBP-1", new { quantity = 2 });
        await client.PutAsJsonAsync("/api/cart/items/CUR-EUR-1", new { quantity = 1 });
        await client.PutAsJsonAsync("/api/cart/items/CUR-GBP-2", new { quantity = 4 });

        var cart = (await client.GetFromJsonAsync<JsonObject>("/api/cart"))!;
        Assert.Null(cart["total"]);
        Assert.Null(cart["currency"]);
        Assert.Equal(2 * 2.00m + 4 * 1.25m, (decimal)cart["totals"]!["GBP"]!);
        Assert.Equal(3.00m, (decimal)cart["totals"]!["EUR"]!);
        Assert.All(cart["lines"]!.AsArray(), line => Assert.Contains(line!["problems"]!.AsArray(), p => ((string)p!).Contains("one currency", StringComparison.Ordinal)));

        var problem = await Shop.ProblemAsync(await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa" }), HttpStatusCode.UnprocessableEntity);
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(["lines[0]", "lines[1]", "lines[2]"], errors.Select(e => e.Key).Order());
        Assert.Contains("CUR-EUR-1", (string)errors["lines[1]"]![0]!, StringComparison.Ordinal);
        Assert.Contains("EUR", (string)errors["lines[1]"]![0]!, StringComparison.Ordinal);
        Assert.Contains("GBP", (string)errors["lines[0]"]![0]!, StringComparison.Ordinal);

        Assert.Empty((await client.GetFromJsonAsync<JsonObject>("/api/orders"))!["orders"]!.AsArray());
        Assert.Equal(3, (await client.GetFromJsonAsync<JsonObject>("/api/cart"))!["lines"]!.AsArray().Count);
        var stock = (await _shop.StockAsync("CUR-EUR-1"))!;
        Assert.Equal((100, 0), (stock.OnHand, stock.Reserved));
    }

    [Fact]
    public async Task Lines_given_at_checkout_in_two_currencies_are_422_and_one_currency_is_accepted()
    {
        using var client = _shop.Customer($"c-{Guid.NewGuid():N}"[..12]);

        var mixed = await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "CUR-EUR-1", quantity = 1 }, new { sku = "CUR-GBP-2", quantity = 1 } } });
        var errors = (await Shop.ProblemAsync(mixed, HttpStatusCode.UnprocessableEntity))["errors"]!.AsObject();
        Assert.Equal(["lines[0]", "lines[1]"], errors.Select(e => e.Key).Order());

        var single = await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "CUR-GBP-1", quantity = 1 }, new { sku = "CUR-GBP-2", quantity = 2 } } });
        Assert.Equal(HttpStatusCode.Accepted, single.StatusCode);
        var order = (await single.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("GBP", 2.00m + 2 * 1.25m), ((string?)order["currency"], (decimal)order["total"]!));
        Assert.Single((await client.GetFromJsonAsync<JsonObject>("/api/orders"))!["orders"]!.AsArray());
    }

    [Fact]
    public async Task Net_terms_are_granted_in_the_credit_currency_only_and_up_to_its_limit()
    {
        var buyer = $"b-{Guid.NewGuid():N}"[..12];
        await _shop.MakeBusinessAsync(buyer, 20m, 30, "GBP");
        using var client = _shop.Customer(buyer);

        async Task<HttpResponseMessage> NetTermsAsync(string sku, int quantity) =>
            await Shop.CheckoutAsync(client, new { paymentMethod = "pm_net_terms", lines = new[] { new { sku, quantity } } });

        var euros = await Shop.ProblemAsync(await NetTermsAsync("CUR-EUR-1", 1), HttpStatusCode.BadRequest);
        Assert.Contains("GBP", (string)euros["errors"]!["paymentMethod"]![0]!, StringComparison.Ordinal);
        var overLimit = await Shop.ProblemAsync(await NetTermsAsync("CUR-GBP-1", 11), HttpStatusCode.BadRequest);
        Assert.NotNull(overLimit["errors"]!["paymentMethod"]);
        Assert.Empty((await client.GetFromJsonAsync<JsonObject>("/api/orders"))!["orders"]!.AsArray());

        var pounds = await NetTermsAsync("CUR-GBP-1", 10);
        Assert.Equal(HttpStatusCode.Accepted, pounds.StatusCode);
        var order = await Shop.WaitForStatusAsync(client, (string)(await pounds.Content.ReadFromJsonAsync<JsonObject>())!["id"]!, "Completed", "Cancelled");
        Assert.Equal("Completed", (string?)order["status"]);
        Assert.Equal((10 * 2.00m, "GBP"), ((decimal)order["invoice"]!["amount"]!, (string?)order["invoice"]!["currency"]));
    }
}
