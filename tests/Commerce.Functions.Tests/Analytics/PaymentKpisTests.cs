using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Analytics.Lake;
using Commerce.Functions.Tests.Checkout;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Analytics;

/// <summary>Payment success and processing time from real checkouts through the sandbox channels, against a recount of the orders' own payment records.</summary>
public sealed class PaymentKpisTests : IAsyncLifetime
{
    private Shop _shop = null!;

    public async Task InitializeAsync()
    {
        _shop = await Shop.OpenAsync();
        await _shop.AddProductAsync("KPI-1", 25m, stock: 100);
    }

    public async Task DisposeAsync() => await _shop.DisposeAsync();

    private Task<string> PlaceAsync(string customer, string method, string until) =>
        _shop.PlaceAsync(customer, new { paymentMethod = method, lines = new[] { new { sku = "KPI-1", quantity = 1 } } }, until);

    [Fact]
    public async Task Payment_success_by_channel_with_failure_reasons_and_processing_time_match_the_orders_records()
    {
        var ids = new List<string>
        {
            await PlaceAsync("kpi-a", "pm_card_visa", "Completed"),
            await PlaceAsync("kpi-b", "pm_card_visa", "Completed"),
            await PlaceAsync("kpi-c", "pm_card_chargeDeclined", "Cancelled"),
            await PlaceAsync("kpi-d", "pm_card_chargeDeclinedInsufficientFunds", "Cancelled"),
            await PlaceAsync("kpi-e", "pm_card_processingError", "Completed"),
            // Last: it takes sandbox-a down, so sandbox-b pays.
            await PlaceAsync("kpi-f", "pm_card_channelDown", "Completed"),
        };
        await _shop.App.Services.GetRequiredService<LakeCompactor>().DrainAsync();
        using var admin = _shop.Admin();
        var today = DateTime.UtcNow.Date;
        var report = (await admin.GetFromJsonAsync<JsonObject>(
            $"/api/analytics/kpis?from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(2):yyyy-MM-dd}"))!;

        var orders = new List<JsonObject>();
        foreach (var id in ids)
            orders.Add((await admin.GetFromJsonAsync<JsonObject>($"/api/orders/{id}"))!);
        var attempts = orders.SelectMany(o => o["payments"]!.AsArray()).Where(p => (string)p!["operation"]! == "authorize").ToList();
        static bool Succeeded(JsonNode p) => (string)p["outcome"]! is "Approved" or "Pending";
        var channels = report["paymentChannels"]!.AsArray();
        Assert.Equal(attempts.Select(p => (string)p!["channel"]!).Distinct().Order(StringComparer.Ordinal), channels.Select(c => (string)c!["channel"]!));
        foreach (var channel in channels)
        {
            var mine = attempts.Where(p => (string)p!["channel"]! == (string)channel!["channel"]!).ToList();
            Assert.Equal(mine.Count, (long)channel!["attempts"]!);
            Assert.Equal(mine.Count(p => Succeeded(p!)), (long)channel["succeeded"]!);
            var failures = mine.Where(p => !Succeeded(p!))
                .GroupBy(p => (string?)p!["declineCode"] ?? ((string)p!["outcome"]!).ToLowerInvariant())
                .ToDictionary(g => g.Key, g => (long)g.Count());
            Assert.Equal(failures.OrderBy(f => f.Key), channel["failures"]!.AsArray().ToDictionary(f => (string)f!["reason"]!, f => (long)f!["attempts"]!).OrderBy(f => f.Key));
        }
        Assert.Contains(channels, c => c!["failures"]!.AsArray().Count > 0);
        Assert.Equal(attempts.Count, (long)report["paymentSuccessRate"]!["basis"]!);
        Assert.Equal(Math.Round((decimal)attempts.Count(p => Succeeded(p!)) / attempts.Count, 4), (decimal)report["paymentSuccessRate"]!["value"]!);
        Assert.Equal(0.962m, (decimal)report["paymentSuccessRate"]!["band"]!["industryAverage"]!);

        var minutes = orders.Where(o => (string)o["status"]! == "Completed")
            .Select(o => (DateTimeOffset.Parse((string)o["completedAt"]!, CultureInfo.InvariantCulture) - DateTimeOffset.Parse((string)o["placedAt"]!, CultureInfo.InvariantCulture)).TotalMinutes)
            .Order().ToList();
        var rank = 0.5 * (minutes.Count - 1);
        var median = minutes[(int)Math.Floor(rank)] + (rank - Math.Floor(rank)) * (minutes[(int)Math.Ceiling(rank)] - minutes[(int)Math.Floor(rank)]);
        Assert.Equal(minutes.Count, (long)report["processingTimeP50"]!["basis"]!);
        Assert.Equal(Math.Round(median, 2), (double)(decimal)report["processingTimeP50"]!["value"]!, 2);
        Assert.True((decimal)report["processingTimeP95"]!["value"]! >= (decimal)report["processingTimeP50"]!["value"]!);
    }
}
