using Commerce.Functions.Tests.Checkout;
using Commerce.Hosting.Settings;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Catalog;

public sealed class InventorySettingsTests
{
    [Theory]
    [InlineData("-1")]
    [InlineData("few")]
    [InlineData("2.5")]
    public async Task A_bad_low_stock_threshold_stops_start_up_naming_the_setting(string value)
    {
        var failure = await Assert.ThrowsAsync<SettingsException>(() => FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder,
            new Dictionary<string, string>(Shop.FastSettings) { ["Inventory:LowStockThreshold"] = value }));

        Assert.Equal("Inventory:LowStockThreshold", failure.Setting);
        Assert.DoesNotContain('\n', failure.Message);
    }
}
