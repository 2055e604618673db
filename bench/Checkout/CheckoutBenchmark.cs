using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Bench.Http;
using Commerce.Catalog.Categories;
using Commerce.Catalog.Inventory;
using Commerce.Catalog.Products;
using Commerce.Hosting.Auth;
using Commerce.Orders.Orders;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Bench.Checkout;

/// <summary>
/// Checkouts over HTTP against the embedded preset with automatic fulfilment and a zero-latency sandbox:
/// completed orders per second sustained over the run, and placed-to-paid latency of those orders. The baseline
/// is the ping route measured as the catalog benchmark measures it: after a warm-up, once before and once after
/// the checkout load, averaged, so that a machine warming up or getting busier shows in both.
/// </summary>
public static class CheckoutBenchmark
{
    private const int Buyers = 32;

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var duration = TimeSpan.FromSeconds(quick ? 10 : 60);
        const int connections = 32;
        await using var app = await BenchApp.StartAsync(
            "--Catalog:SeedDemoData=false", "--Fulfilment:Mode=auto", "--Risk:MaxOrdersPerHour=100000", "--Queues:MaxPollingInterval=00:00:00.200");
        var services = app.Services;
        var now = DateTimeOffset.UtcNow;
        await services.GetRequiredService<ProductCatalog>().PutCategoryAsync(new Category { Id = "bench", Name = "Bench" });
        await services.GetRequiredService<ProductCatalog>().UpsertManyAsync(Enumerable.Range(1, 20).Select(i => new Product
        {
            Sku = $"BENCH-{i}", Name = $"Bench item {i}", Category = "bench", ListPrice = 9.99m, Currency = "GBP", CreatedAt = now, UpdatedAt = now,
        }).ToList());
        foreach (var i in Enumerable.Range(1, 20))
            await services.GetRequiredService<InventoryService>().AdjustAsync($"BENCH-{i}", 10_000_000, "bench stock", "bench");
        var issuer = services.GetRequiredService<TokenIssuer>();
        var tokens = Enumerable.Range(0, Buyers).Select(i => issuer.Issue($"bench-buyer-{i}", [Roles.Customer])).ToArray();

        var pingDuration = TimeSpan.FromSeconds(quick ? 2 : 10);
        var pingWarmUp = TimeSpan.FromSeconds(quick ? 1 : 2);
        Task<LoadResult> PingAsync() => HttpLoad.RunAsync(app.Address, _ => new HttpRequestMessage(HttpMethod.Get, BenchApp.BaselineRoute), connections, pingDuration, pingWarmUp);
        var pingBefore = await PingAsync();

        // Each buyer checks out, waits until the order has completed, and checks out again: a closed loop, so
        // the figures are the sustained rate and the latency at that rate, not a backlog growing without bound.
        var orders = services.GetRequiredService<OrderRepository>();
        var durable = services.GetRequiredService<Microsoft.DurableTask.Client.DurableTaskClient>();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Buyers, UseCookies = false };
        using var http = new HttpClient(handler) { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(60) };
        var placedIds = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var checkoutLatencies = new System.Collections.Concurrent.ConcurrentQueue<double>();
        long failures = 0;
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var collectionsBefore = Enumerable.Range(0, 3).Select(GC.CollectionCount).ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Buyers).Select(buyer => Task.Run(async () =>
        {
            for (var n = 0; clock.Elapsed < duration; n++)
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "api/checkout")
                {
                    Content = JsonContent.Create(new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = $"BENCH-{(buyer + n) % 20 + 1}", quantity = 1 + n % 3 } } }),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[buyer]);
                request.Headers.Add("Idempotency-Key", $"bench-{buyer}-{n}");
                var sent = System.Diagnostics.Stopwatch.GetTimestamp();
                using var response = await http.SendAsync(request);
                checkoutLatencies.Enqueue(System.Diagnostics.Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
                {
                    Interlocked.Increment(ref failures);
                    continue;
                }
                var id = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
                placedIds.Enqueue(id);
                await durable.WaitForInstanceCompletionAsync(id);
            }
        })));
        var elapsed = clock.Elapsed;
        process.Refresh();
        // The server and the buyers share this process: CPU per order is what the whole pipeline costs, steadier than the rate on a shared machine.
        var cpu = process.TotalProcessorTime - cpuBefore;
        var collections = Enumerable.Range(0, 3).Select(g => GC.CollectionCount(g) - collectionsBefore[g]).ToArray();
        var pingAfter = await PingAsync();
        var baselinePerSecond = (pingBefore.RequestsPerSecond + pingAfter.RequestsPerSecond) / 2;

        var completed = 0;
        var placedToPaid = new List<double>();
        foreach (var id in placedIds)
        {
            var order = (await orders.GetAsync(id))!;
            if (order.Status == OrderStatus.Completed)
                completed++;
            if (order.PaidAt is { } paid)
                placedToPaid.Add((paid - order.PlacedAt).TotalMilliseconds);
        }
        placedToPaid.Sort();
        var checkouts = checkoutLatencies.Order().ToArray();

        Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; {Buyers} buyers in a closed loop for {duration.TotalSeconds:0} s; embedded preset, Fulfilment:Mode=auto, sandbox latency 0");
        Measure.Report("baseline_ping_requests_per_s", baselinePerSecond);
        Measure.Report("baseline_ping_before_requests_per_s", pingBefore.RequestsPerSecond);
        Measure.Report("baseline_ping_after_requests_per_s", pingAfter.RequestsPerSecond);
        Measure.Report("orders_completed_per_s", completed / elapsed.TotalSeconds);
        Measure.ReportRatio("orders_completed_ratio_to_baseline", completed / elapsed.TotalSeconds / baselinePerSecond);
        Measure.Report("placed_to_paid_p50_ms", placedToPaid[placedToPaid.Count / 2]);
        Measure.Report("placed_to_paid_p95_ms", placedToPaid[(int)(placedToPaid.Count * 0.95)]);
        Measure.Report("checkout_http_p50_ms", checkouts[checkouts.Length / 2]);
        Measure.Report("checkout_http_p99_ms", checkouts[(int)(checkouts.Length * 0.99)]);
        Measure.Report("checkout_failures", failures);
        Measure.Report("cpu_ms_per_completed_order", cpu.TotalMilliseconds / Math.Max(completed, 1));
        Measure.Report("cpu_cores_busy", cpu / elapsed);
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"gc_collections_gen0_gen1_gen2={collections[0]}/{collections[1]}/{collections[2]}"));
        return 0;
    }
}
