using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Hosting.Settings;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>Order-total limits are per currency: a total is only ever compared with a limit in its own currency.</summary>
public sealed class RiskLimitTests
{
    [Fact]
    public async Task Each_order_total_is_held_against_the_limit_of_its_currency()
    {
        await using var shop = await Shop.OpenAsync(new Dictionary<string, string>
        {
            ["Risk:MaxOrderTotal:GBP"] = "100",
            ["Risk:MaxOrderTotal:EUR"] = "1000",
        });
        await shop.AddProductAsync("LIM-GBP", 50m, 100);
        await shop.AddProductAsync("LIM-EUR", 50m, 100, currency: "EUR");
        await shop.AddProductAsync("LIM-USD", 50m, 100, currency: "USD");
        using var client = shop.Customer("limited");

        async Task<JsonObject> BuyAsync(string sku, int quantity)
        {
            var response = await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa", lines = new[] { new { sku, quantity } } });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return await Shop.WaitForStatusAsync(client, (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!, "Completed", "Cancelled");
        }

        var overPounds = await BuyAsync("LIM-GBP", 3);
        var underEuros = await BuyAsync("LIM-EUR", 3);
        var atPounds = await BuyAsync("LIM-GBP", 2);
        var noDollarLimit = await BuyAsync("LIM-USD", 1);

        Assert.Equal(("Cancelled", "risk_denied"), ((string?)overPounds["status"], (string?)overPounds["cancellationReason"]));
        Assert.Equal("Completed", (string?)underEuros["status"]);
        Assert.Equal("Completed", (string?)atPounds["status"]);
        Assert.Equal(("Cancelled", "risk_denied"), ((string?)noDollarLimit["status"], (string?)noDollarLimit["cancellationReason"]));
    }

    [Theory]
    [InlineData("Risk:MaxOrderTotal", "25000", "Risk:MaxOrderTotal")]
    [InlineData("Risk:MaxOrderTotal:XYZ", "100", "Risk:MaxOrderTotal:XYZ")]
    [InlineData("Risk:MaxOrderTotal:GBP", "-5", "Risk:MaxOrderTotal:GBP")]
    [InlineData("Risk:MaxOrderTotal:EUR", "lots", "Risk:MaxOrderTotal:EUR")]
    [InlineData("Risk:MaxOrderTotal:USD", "", "Risk:MaxOrderTotal:USD")]
    public async Task A_bad_limit_stops_start_up_naming_the_setting(string key, string value, string named)
    {
        var failure = await Assert.ThrowsAsync<SettingsException>(() => FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string>(Shop.FastSettings) { [key] = value }));

        Assert.Equal(named, failure.Setting);
        Assert.DoesNotContain('\n', failure.Message);
    }
}
