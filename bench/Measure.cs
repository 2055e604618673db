using System.Diagnostics;
using System.Globalization;

namespace Commerce.Bench;

/// <summary>Timed loops: warm up, then several timed rounds; the median round is reported.</summary>
public static class Measure
{
    public static double OperationsPerSecond(Func<int, Task> operation, TimeSpan round, int rounds = 5, int workers = 1)
    {
        Run(operation, TimeSpan.FromMilliseconds(500), workers).GetAwaiter().GetResult();
        var results = new List<double>();
        for (var i = 0; i < rounds; i++)
            results.Add(Run(operation, round, workers).GetAwaiter().GetResult());
        results.Sort();
        return results[results.Count / 2];
    }

    private static async Task<double> Run(Func<int, Task> operation, TimeSpan duration, int workers)
    {
        var stopwatch = Stopwatch.StartNew();
        var counts = new long[workers];
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            long n = 0;
            while (stopwatch.Elapsed < duration)
            {
                await operation(w);
                n++;
            }
            counts[w] = n;
        })));
        return counts.Sum() / stopwatch.Elapsed.TotalSeconds;
    }

    public static void Report(string name, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}={value:0.##}"));

    /// <summary>Throughput and latency of an HTTP load run, and its failures if any.</summary>
    public static void Report(string name, Http.LoadResult result)
    {
        Report($"{name}_requests_per_s", result.RequestsPerSecond);
        Report($"{name}_p50_ms", result.P50Ms);
        Report($"{name}_p99_ms", result.P99Ms);
        if (result.Failures > 0)
            Report($"{name}_failures", result.Failures);
    }
}
