namespace Commerce.Bench.Http;

/// <summary>
/// What the HTTP edge costs: the same anonymous product read against an app with rate limiting and CORS on (limits
/// too high to refuse, every request from one client address and with an Origin, so all count in one partition) and
/// against one with both off, measured alternately in the same run.
/// </summary>
public static class EdgeBenchmark
{
    private const string Origin = "https://shop.example";

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var duration = TimeSpan.FromSeconds(quick ? 2 : 8);
        var warmUp = TimeSpan.FromSeconds(quick ? 1 : 2);
        const int connections = 32;
        await using var bare = await BenchApp.StartAsync("--Catalog:SeedDemoData=true", "--RateLimits:Enabled=false");
        await using var guarded = await BenchApp.StartAsync("--Catalog:SeedDemoData=true", $"--Host:CORS={Origin}");

        HttpRequestMessage Read(int n)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, $"api/products/DEMO-{n % 300 + 1:D4}");
            request.Headers.Add("Origin", Origin);
            return request;
        }

        // Alternated, so that a machine warming up or getting busier is seen by both.
        var off = new List<LoadResult>();
        var on = new List<LoadResult>();
        for (var round = 0; round < 2; round++)
        {
            off.Add(await HttpLoad.RunAsync(bare.Address, Read, connections, duration, warmUp));
            on.Add(await HttpLoad.RunAsync(guarded.Address, Read, connections, duration, warmUp));
        }

        Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; {connections} connections on loopback, 2 rounds of {duration.TotalSeconds:0} s per app after {warmUp.TotalSeconds:0} s warm-up; client and server share the machine");
        Report("product_get_edge_off", off);
        Report("product_get_edge_on", on);
        Measure.Report("edge_on_ratio_to_off", on.Average(r => r.RequestsPerSecond) / off.Average(r => r.RequestsPerSecond));
        return 0;
    }

    private static void Report(string name, List<LoadResult> runs)
    {
        Measure.Report($"{name}_requests_per_s", runs.Average(r => r.RequestsPerSecond));
        Measure.Report($"{name}_p50_ms", runs.Average(r => r.P50Ms));
        Measure.Report($"{name}_p99_ms", runs.Max(r => r.P99Ms));
        if (runs.Sum(r => r.Failures) is var failures and > 0)
            Measure.Report($"{name}_failures", failures);
    }
}
