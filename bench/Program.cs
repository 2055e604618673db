using Commerce.Bench.Analytics;
using Commerce.Bench.Catalog;
using Commerce.Bench.Checkout;
using Commerce.Bench.Churn;
using Commerce.Bench.Durable;
using Commerce.Bench.Events;
using Commerce.Bench.Http;
using Commerce.Bench.Recommendations;
using Commerce.Bench.Storage;

var scenarios = new Dictionary<string, Func<string[], Task<int>>>(StringComparer.OrdinalIgnoreCase)
{
    ["storage"] = StorageBenchmark.RunAsync,
    ["durable"] = DurableBenchmark.RunAsync,
    ["catalog"] = CatalogBenchmark.RunAsync,
    ["checkout"] = CheckoutBenchmark.RunAsync,
    ["churn"] = ChurnBenchmark.RunAsync,
    ["events"] = EventsBenchmark.RunAsync,
    ["history"] = HistoryBenchmark.RunImportAsync,
    ["features"] = HistoryBenchmark.RunFeaturesAsync,
    ["edge"] = EdgeBenchmark.RunAsync,
    ["recommendations"] = RecommendationsBenchmark.RunAsync,
};

if (args.Length == 0 || !scenarios.TryGetValue(args[0], out var scenario))
{
    Console.Error.WriteLine($"usage: dotnet run -c Release --project bench -- <{string.Join("|", scenarios.Keys)}> [--quick]");
    return 64;
}
return await scenario(args[1..]);
