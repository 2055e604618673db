using System.Net.Http.Json;
using Commerce.Bench.Http;
using Commerce.Catalog.Categories;
using Commerce.Catalog.Pricing;
using Commerce.Catalog.Products;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Bench.Catalog;

/// <summary>
/// Product reads and a filtered listing over HTTP on loopback (embedded preset, demo shop), each next to a
/// trivial JSON function of the same process measured in the same run; and price quotes in process.
/// </summary>
public static class CatalogBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var duration = TimeSpan.FromSeconds(quick ? 2 : 10);
        var warmUp = TimeSpan.FromSeconds(quick ? 1 : 2);
        const int connections = 32;
        await using var app = await BenchApp.StartAsync("--Catalog:SeedDemoData=true");

        using (var check = new HttpClient { BaseAddress = app.Address })
        {
            // A listing that answers fast because it finds nothing would measure nothing.
            var sample = await check.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("api/products?category=home&minPrice=2&maxPrice=20&sort=price&pageSize=20&page=1");
            if (sample?["items"]?.AsArray().Count != 20)
                throw new InvalidOperationException($"The listing under test returned {sample?["items"]?.AsArray().Count ?? 0} products, not 20.");
        }

        // The baseline runs before and after, so that a machine warming up or getting busier is seen in both.
        var before = await HttpLoad.RunAsync(app.Address, _ => new HttpRequestMessage(HttpMethod.Get, BenchApp.BaselineRoute), connections, duration, warmUp);
        var product = await HttpLoad.RunAsync(app.Address, n => new HttpRequestMessage(HttpMethod.Get, $"api/products/DEMO-{n % 300 + 1:D4}"), connections, duration, warmUp);
        var listing = await HttpLoad.RunAsync(app.Address, n => new HttpRequestMessage(HttpMethod.Get, $"api/products?category=home&minPrice=2&maxPrice=20&sort=price&pageSize=20&page={n % 3 + 1}"), connections, duration, warmUp);
        var after = await HttpLoad.RunAsync(app.Address, _ => new HttpRequestMessage(HttpMethod.Get, BenchApp.BaselineRoute), connections, duration, warmUp);
        var baseline = new LoadResult((before.RequestsPerSecond + after.RequestsPerSecond) / 2, (before.P50Ms + after.P50Ms) / 2, Math.Max(before.P99Ms, after.P99Ms), before.Requests + after.Requests, before.Failures + after.Failures);

        var (calculatorPerSecond, servicePerSecond) = await QuotesAsync(app.Services, quick);

        Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; {connections} connections on loopback, {duration.TotalSeconds:0} s per run after {warmUp.TotalSeconds:0} s warm-up; client and server share the machine");
        Measure.Report("baseline_ping", baseline);
        Measure.Report("product_get", product);
        Measure.Report("product_listing", listing);
        Measure.Report("product_get_ratio_to_baseline", product.RequestsPerSecond / baseline.RequestsPerSecond);
        Measure.Report("product_listing_ratio_to_baseline", listing.RequestsPerSecond / baseline.RequestsPerSecond);
        Measure.Report("price_quotes_in_process_per_s", calculatorPerSecond);
        Measure.Report("pricing_service_quotes_per_s", servicePerSecond);
        return 0;
    }

    /// <summary>The price calculator alone, then the pricing service (catalog snapshot, price list and promotion caches) around it.</summary>
    private static async Task<(double Calculator, double Service)> QuotesAsync(IServiceProvider services, bool quick)
    {
        var catalog = services.GetRequiredService<ProductCatalog>();
        var store = services.GetRequiredService<PricingStore>();
        var pricing = services.GetRequiredService<PricingService>();
        var categories = await catalog.CategoriesAsync();
        var products = (await catalog.AllAsync()).Select(p => p.Product).ToArray();
        var wholesale = (await store.GetPriceListAsync("wholesale"))!.Value.List;
        var promotions = await store.PromotionsAsync();
        var inputs = products.Select(p => new PricingInput(p, 24, categories.PathOf(p.Category), wholesale, promotions, null, DateTimeOffset.UtcNow)).ToArray();
        var round = TimeSpan.FromSeconds(quick ? 0.5 : 2);

        var calculator = Measure.OperationsPerSecond(worker =>
        {
            for (var i = 0; i < 100; i++)
                PriceCalculator.Calculate(inputs[(worker + i) % inputs.Length]);
            return Task.CompletedTask;
        }, round, workers: Environment.ProcessorCount) * 100;
        var service = Measure.OperationsPerSecond(async worker =>
            await pricing.QuoteAsync(new QuoteRequest(products[worker % products.Length].Sku, 24, null, "wholesale")), round, workers: Environment.ProcessorCount);
        return (calculator, service);
    }
}
