using System.Diagnostics;
using System.Net.Http.Headers;
using Commerce.Analytics.History;
using Commerce.Bench.Http;
using Commerce.Catalog.Categories;
using Commerce.Catalog.Inventory;
using Commerce.Catalog.Products;
using Commerce.Hosting.Auth;
using Commerce.Intelligence.Models;
using Commerce.Intelligence.Recommendations;
using Commerce.Intelligence.Recommendations.Serving;
using Commerce.Orders.Orders;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Bench.Recommendations;

/// <summary>
/// Training on the whole Online Retail history (time and peak memory), the offline TSV command on 100,000 rows
/// of 1,000 users x 2,000 items, and serving on a 100,000-product catalogue: in process, and over HTTP at 32
/// connections next to the ping baseline of the same run.
/// </summary>
public static class RecommendationsBenchmark
{
    private const int CatalogSize = 100_000;
    private const int Buyers = 5_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        if (!args.Contains("--serving-only"))
        {
            Training(args.SkipWhile(a => a != "--data").Skip(1).FirstOrDefault() ?? SharedData());
            Offline();
        }
        await ServingAsync(quick);
        return 0;
    }

    /// <summary>../shared/data/online_retail.csv.gz next to the repository, wherever the benchmark runs from.</summary>
    private static string SharedData()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
                return Path.Combine(dir.FullName, "..", "shared", "data", "online_retail.csv.gz");
        }
        throw new FileNotFoundException("Serverless.sln not found above the benchmark; pass --data <online_retail.csv.gz>.");
    }

    private static void Training(string data)
    {
        var clock = Stopwatch.StartNew();
        var history = PurchaseHistory.FromOnlineRetail(OnlineRetailFile.LoadAsync(data).GetAwaiter().GetResult());
        var interactions = Interactions.FromSales(history).ToList();
        var load = clock.Elapsed.TotalSeconds;
        var cut = interactions.Max(i => i.At).AddTicks(1);
        var process = Process.GetCurrentProcess();
        var before = process.PeakWorkingSet64;
        var cpu = process.TotalProcessorTime;
        clock.Restart();
        var options = new RecommenderOptions();
        var model = RecommendationModel.From(new RecommendationTrainer(options).Train(interactions, cut), options);
        var train = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var peak = process.PeakWorkingSet64;
        // On a shared machine the wall time says how busy it was; the CPU time is the work done.
        Measure.Report("online_retail_training_cpu_s", (process.TotalProcessorTime - cpu).TotalSeconds);
        Measure.Report("online_retail_load_s (baseline)", load);
        Measure.Report("online_retail_training_s", train);
        Measure.Report("online_retail_training_ratio_to_load", train / load);
        Measure.Report("online_retail_peak_working_set_mb", Math.Max(before, peak) / 1024.0 / 1024.0);
        Measure.Report("online_retail_buyers_served", model.Buyers.Count);
    }

    private static void Offline()
    {
        var path = Path.Combine(Path.GetTempPath(), $"offline-{Guid.NewGuid():N}.tsv");
        var random = new Random(1);
        using (var writer = new StreamWriter(path))
        {
            var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();
            for (var row = 0; row < 100_000; row++)
            {
                var user = random.Next(1_000);
                // Items cluster by user group with a popularity skew, as real baskets do.
                var item = (user % 20 * 100 + (int)(100 * Math.Pow(random.NextDouble(), 2)) + (random.NextDouble() < 0.2 ? random.Next(2_000) : 0)) % 2_000;
                writer.Write($"u{user}\ti{item}\t1\t{start + random.Next(365 * 86_400)}\n");
            }
        }
        try
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            List<Interaction> interactions;
            using (var reader = File.OpenText(path))
                interactions = OfflineRecommendations.ReadTsv(reader);
            var parse = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var rows = OfflineRecommendations.Recommend(interactions, 10, new RecommenderOptions()).ToList();
            using (var writer = new StreamWriter(path + ".out"))
                OfflineRecommendations.WriteTsv(writer, rows);
            var total = parse + clock.Elapsed.TotalSeconds;
            process.Refresh();
            Measure.Report("offline_100k_rows_cpu_s", (process.TotalProcessorTime - cpu).TotalSeconds);
            Measure.Report("offline_tsv_parse_s (baseline)", parse);
            Measure.Report("offline_100k_rows_total_s", total);
            Measure.Report("offline_ratio_to_parse", total / parse);
            Measure.Report("offline_users_written", rows.Select(r => r.User).Distinct().Count());
        }
        finally
        {
            File.Delete(path);
            File.Delete(path + ".out");
        }
    }

    private static async Task ServingAsync(bool quick)
    {
        await using var app = await BenchApp.StartAsync("--Catalog:SeedDemoData=false", "--Recommendations:RefreshInterval=00:00:01");
        var services = app.Services;
        var catalog = services.GetRequiredService<ProductCatalog>();
        var inventory = services.GetRequiredService<InventoryService>();
        var now = DateTimeOffset.UtcNow;
        for (var c = 0; c < 100; c++)
            await catalog.PutCategoryAsync(new Category { Id = $"cat-{c}", Name = $"Category {c}" });
        var products = Enumerable.Range(0, CatalogSize).Select(i => new Product
        {
            Sku = $"SKU-{i:D6}", Name = $"Product {i}", Category = $"cat-{i % 100}", ListPrice = 5 + i % 50, Cost = i % 10 == 0 ? 4.9m + i % 50 : 2,
            Currency = "GBP", MinOrderQuantity = 1 + i % 3, Status = i % 50 == 0 ? ProductStatus.Archived : ProductStatus.Active, CreatedAt = now, UpdatedAt = now,
        }).ToList();
        var setup = Stopwatch.StartNew();
        await catalog.UpsertManyAsync(products);
        await Parallel.ForEachAsync(products, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (p, ct) =>
        {
            var index = int.Parse(p.Sku[4..], System.Globalization.CultureInfo.InvariantCulture);
            if (index % 7 != 0)
                await inventory.AdjustAsync(p.Sku, 1 + index % 40, "stock", "bench", ct);
        });
        var model = SyntheticModel(products);
        await PublishAsync(services, model);
        var live = services.GetRequiredService<LiveModel<RecommendationModel>>();
        while (live.Current is null)
            await Task.Delay(100);
        Console.WriteLine($"# serving: {CatalogSize:N0} products (every 50th archived, every 10th below the margin floor, every 7th out of stock), {Buyers:N0} buyers with 60 ranked items and 40 past purchases each; set up in {setup.Elapsed.TotalSeconds:F0} s");

        var recommendations = services.GetRequiredService<RecommendationService>();
        var orders = services.GetRequiredService<OrderRepository>();
        var rounds = quick ? 2_000 : 20_000;
        var inProcess = await LatenciesAsync(rounds, i => recommendations.RecommendAsync(new RecommendationQuery(RecommendationSlot.Home, $"buyer-{i % Buyers}", null, 10, [])));
        var anonymous = await LatenciesAsync(rounds, i => recommendations.RecommendAsync(new RecommendationQuery(RecommendationSlot.Product, null, $"SKU-{i * 7919 % CatalogSize:D6}", 10, [])));
        var pointRead = await LatenciesAsync(rounds, i => orders.GetAsync($"order-{i}"));
        Report("in_process_home_known_buyer", inProcess);
        Report("in_process_product_anonymous", anonymous);
        Report("in_process_order_point_read (baseline)", pointRead);
        Measure.Report("in_process_home_p99_ratio_to_point_read", inProcess.P99 / pointRead.P99);

        const int connections = 32;
        var duration = TimeSpan.FromSeconds(quick ? 2 : 10);
        var warmUp = TimeSpan.FromSeconds(quick ? 1 : 2);
        var issuer = services.GetRequiredService<TokenIssuer>();
        var tokens = Enumerable.Range(0, 256).Select(i => issuer.Issue($"buyer-{i * 17 % Buyers}", [Roles.Customer])).ToArray();
        var before = await HttpLoad.RunAsync(app.Address, _ => new HttpRequestMessage(HttpMethod.Get, BenchApp.BaselineRoute), connections, duration, warmUp);
        var http = await HttpLoad.RunAsync(app.Address, n =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "api/recommendations?slot=home&limit=10");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[n % tokens.Length]);
            return request;
        }, connections, duration, warmUp);
        var after = await HttpLoad.RunAsync(app.Address, _ => new HttpRequestMessage(HttpMethod.Get, BenchApp.BaselineRoute), connections, duration, warmUp);
        Measure.Report("http_ping_before", before);
        Measure.Report("http_recommendations_home", http);
        Measure.Report("http_ping_after", after);
        Measure.Report("http_recommendations_p99_ratio_to_ping", http.P99Ms / Math.Max(before.P99Ms, after.P99Ms));
        Measure.Report("http_recommendations_throughput_ratio_to_ping", http.RequestsPerSecond / ((before.RequestsPerSecond + after.RequestsPerSecond) / 2));
    }

    /// <summary>A model over the synthetic catalogue: what serving reads is the same whether training or this wrote it.</summary>
    private static RecommendationModel SyntheticModel(List<Product> products)
    {
        var random = new Random(3);
        var items = products.Select(p => p.Sku).ToArray();
        (int, float)[] List(int length) => Enumerable.Range(0, length).Select(r => (random.Next(items.Length), 1f - r / (float)length)).ToArray();
        var buyers = Enumerable.Range(0, Buyers).ToDictionary(b => $"buyer-{b}", b => new BuyerEntry("United Kingdom", null,
            Enumerable.Range(0, 60).Select(r => new RankedItem(random.Next(items.Length), 3 - r * 0.05f, (RecallKind)(r % 5), random.Next(items.Length))).ToArray(),
            Enumerable.Range(0, 40).Select(_ => new PastPurchase(random.Next(items.Length), DateTime.UtcNow.AddDays(-random.Next(1, 400)), 1 + random.Next(6), 10 + random.Next(60))).ToArray()));
        return new RecommendationModel
        {
            DataEnd = DateTime.UtcNow.AddDays(-1),
            Items = items,
            Buyers = buyers,
            Similar = items.Select(_ => List(RecommendationModel.NeighboursPerItem)).ToArray(),
            Together = items.Select(_ => List(RecommendationModel.NeighboursPerItem)).ToArray(),
            Popular = List(RecommendationModel.PopularKept),
            Trending = List(RecommendationModel.PopularKept),
            PopularByCountry = new Dictionary<string, (int, float)[]> { ["United Kingdom"] = List(100) },
        };
    }

    /// <summary>Stores the model as a version of the registry and makes it live, as a promotion does.</summary>
    private static async Task PublishAsync(IServiceProvider services, RecommendationModel model)
    {
        var blobs = await services.GetRequiredService<Commerce.Storage.Blobs.IBlobStore>().GetContainerAsync(ModelRegistry.Container);
        using var file = new MemoryStream();
        model.Write(file);
        const string version = "20260101-000000-bench0";
        await blobs.PutAsync($"{RecommendationModelKind.Name}/{version}/{RecommendationModelKind.ModelFile}", file.ToArray());
        var manifest = new ModelManifest
        {
            Kind = RecommendationModelKind.Name, Version = version, TrainedAt = DateTimeOffset.UtcNow, TrainingSeconds = 0,
            Data = new DataWindow(DateTimeOffset.UtcNow.AddDays(-365), DateTimeOffset.UtcNow), Holdout = new DataWindow(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow),
            PrimaryMetric = "ndcg_at_10", Metrics = new Dictionary<string, double>(), Parameters = new Dictionary<string, string> { ["synthetic"] = "true" },
            CodeVersion = ModelRegistry.CodeVersion, Files = [RecommendationModelKind.ModelFile], Decision = "benchmark model",
        };
        await blobs.PutAsync($"{RecommendationModelKind.Name}/{version}/{ModelRegistry.ManifestFile}", Commerce.Storage.Documents.DocumentJson.Serialize(manifest));
        if (!await services.GetRequiredService<ModelRegistry>().PromoteAsync(RecommendationModelKind.Name, version, "benchmark"))
            throw new InvalidOperationException("The benchmark model could not be promoted.");
    }

    private static async Task<(double P50, double P99)> LatenciesAsync(int rounds, Func<int, Task> operation)
    {
        for (var i = 0; i < Math.Min(1_000, rounds); i++)
            await operation(i);
        var latencies = new double[rounds];
        for (var i = 0; i < rounds; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await operation(i);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
        Array.Sort(latencies);
        return (latencies[rounds / 2], latencies[(int)(rounds * 0.99)]);
    }

    private static void Report(string name, (double P50, double P99) result)
    {
        Measure.Report($"{name}_p50_ms", result.P50);
        Measure.Report($"{name}_p99_ms", result.P99);
    }
}
