using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Analytics.Features;
using Commerce.Analytics.Lake;
using Commerce.Functions.Tests.Checkout;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Retention;

/// <summary>Insights follow a customer's orders: recomputed for everyone, then refreshed for one customer when their order reaches the lake.</summary>
public sealed class InsightsRefreshTests : IAsyncLifetime
{
    private Shop _shop = null!;

    public async Task InitializeAsync()
    {
        _shop = await Shop.OpenAsync(new Dictionary<string, string> { ["Lake:CompactionSchedule"] = "*/1 * * * * *", ["Retention:Tiers:Silver"] = "50" });
        await _shop.AddProductAsync("IN-1", 30m, stock: 100);
    }

    public async Task DisposeAsync() => await _shop.DisposeAsync();

    private async Task BuyAsync(HttpClient buyer)
    {
        var placed = await Shop.CheckoutAsync(buyer, new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "IN-1", quantity = 1 } } });
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        await Shop.WaitForStatusAsync(buyer, (string)(await placed.Content.ReadFromJsonAsync<JsonObject>())!["id"]!, "Completed");
    }

    [Fact]
    public async Task A_completed_order_refreshes_its_customers_insights_and_tier_once_it_reaches_the_lake()
    {
        using var buyer = _shop.Customer("loyal-1");
        await BuyAsync(buyer);
        await _shop.App.Services.GetRequiredService<LakeCompactor>().DrainAsync();
        await _shop.App.Services.GetRequiredService<CustomerInsightsService>().RecomputeAllAsync(DateTime.UtcNow);
        var first = (await buyer.GetFromJsonAsync<JsonObject>("/api/customers/me/insights"))!["features"]!;
        Assert.Equal((1, 30m, "none"), ((int)first["frequency"]!, (decimal)first["monetary"]!, (string)first["tier"]!));

        await BuyAsync(buyer);

        // The compaction timer (every second here) writes the order to the lake and refreshes the customer.
        var features = await Poll.UntilAsync(async () => (await buyer.GetFromJsonAsync<JsonObject>("/api/customers/me/insights"))!["features"]!, f => (int)f["frequency"]! >= 2,
            TimeSpan.FromSeconds(60), "the second order in the customer's features", TimeSpan.FromMilliseconds(200));
        Assert.Equal((2, 60m, "silver"), ((int)features["frequency"]!, (decimal)features["monetary"]!, (string)features["tier"]!));
        Assert.Equal("silver", (string)(await buyer.GetFromJsonAsync<JsonObject>("/api/customers/me"))!["membershipTier"]!);
    }
}
