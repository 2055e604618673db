using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Hosting.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>The product's meter is one per process: run alone, so that only this test's orders are counted.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}

[Collection(TelemetryCollection.Name)]
public sealed class CheckoutTelemetryTests
{
    [Fact]
    public async Task A_checkout_is_a_request_span_its_order_steps_join_its_trace_and_orders_and_payments_are_counted_by_channel_outcome_and_reason()
    {
        var spans = new List<Activity>();
        var metrics = new List<MetricSnapshot>();
        await using var shop = await Shop.OpenAsync(configure: builder => builder.Services.AddCommerceOpenTelemetry()
            .WithTracing(t => t.AddInMemoryExporter(spans))
            .WithMetrics(m => m.AddInMemoryExporter(metrics)));
        await shop.AddProductAsync("OT-1", 12m, stock: 10);

        var completed = await shop.PlaceAsync("ot-buyer", new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = "OT-1", quantity = 2 } } }, "Completed");
        var cancelled = await shop.PlaceAsync("ot-declined", new { paymentMethod = "pm_card_chargeDeclined", lines = new[] { new { sku = "OT-1", quantity = 1 } } }, "Cancelled");

        // Recounted from the orders themselves: every payment call each order records, by channel, operation and outcome.
        var expectedAttempts = new Dictionary<string, long>();
        string? reason = null;
        using (var admin = shop.Admin())
        {
            foreach (var id in new[] { completed, cancelled })
            {
                var order = (await admin.GetFromJsonAsync<JsonObject>($"/api/orders/{id}"))!;
                reason ??= (string?)order["cancellationReason"];
                foreach (var payment in order["payments"]!.AsArray())
                {
                    var key = $"{payment!["channel"]}/{payment["operation"]}/{payment["outcome"]}";
                    expectedAttempts[key] = expectedAttempts.GetValueOrDefault(key) + 1;
                }
            }
        }
        Assert.Equal("payment_declined", reason);
        Assert.Contains(expectedAttempts.Keys, k => k.EndsWith("/authorize/Declined", StringComparison.Ordinal));

        // An order's events (and so its counts) are recorded just after the change that shows in its status.
        var meters = shop.App.Services.GetRequiredService<MeterProvider>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Dictionary<string, long> attempts;
        do
        {
            metrics.Clear();
            meters.ForceFlush();
            attempts = Points("commerce.payments.attempts").ToDictionary(p => $"{Tag(p, "channel")}/{Tag(p, "operation")}/{Tag(p, "outcome")}", p => p.GetSumLong());
        }
        while ((Sum("commerce.orders.completed") < 1 || Sum("commerce.orders.cancelled") < 1 || attempts.Values.Sum() < expectedAttempts.Values.Sum()) && DateTime.UtcNow < deadline && await Delay());

        Assert.Equal(2, Sum("commerce.orders.placed"));
        Assert.Equal(1, Sum("commerce.orders.completed"));
        var cancellation = Assert.Single(Points("commerce.orders.cancelled"));
        Assert.Equal("payment_declined", Tag(cancellation, "reason"));
        Assert.Equal(1, cancellation.GetSumLong());
        Assert.Equal(expectedAttempts.OrderBy(a => a.Key), attempts.OrderBy(a => a.Key));
        Assert.Equal(1, Assert.Single(Points("commerce.orders.processing_time")).GetHistogramCount());

        shop.App.Services.GetRequiredService<TracerProvider>().ForceFlush();
        var checkouts = spans.Where(s => s.Kind == ActivityKind.Server && (string?)s.GetTagItem("url.path") == "/api/checkout").ToList();
        Assert.Equal(2, checkouts.Count);
        Assert.All(checkouts, s => Assert.Equal(202, s.GetTagItem("http.response.status_code")));
        Assert.All(checkouts, s => Assert.Equal("POST /api/checkout", s.DisplayName));

        // One trace follows each order: its orchestration's activities are children of its checkout request.
        foreach (var id in new[] { completed, cancelled })
        {
            var steps = spans.Where(s => (string?)s.GetTagItem("durable.instance_id") == id).ToList();
            Assert.NotEmpty(steps);
            Assert.All(steps, s => Assert.StartsWith("activity ", s.DisplayName));
            var request = Assert.Single(checkouts, c => c.TraceId == steps[0].TraceId);
            Assert.All(steps, s => Assert.Equal((request.TraceId, request.SpanId), (s.TraceId, s.ParentSpanId)));
        }
        Assert.NotEqual(checkouts[0].TraceId, checkouts[1].TraceId);

        long Sum(string name) => Points(name).Sum(p => p.GetSumLong());
        IEnumerable<MetricPoint> Points(string name) => metrics.LastOrDefault(m => m.Name == name)?.MetricPoints ?? [];
        static string? Tag(MetricPoint point, string key)
        {
            foreach (var tag in point.Tags)
                if (tag.Key == key)
                    return tag.Value?.ToString();
            return null;
        }
        static async Task<bool> Delay()
        {
            await Task.Delay(100);
            return true;
        }
    }
}
