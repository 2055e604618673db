using System.Diagnostics;
using System.Globalization;

namespace Commerce.Bench;

/// <summary>Timed loops: warm up, then several timed rounds; the median round is reported.</summary>
public static class Measure
{
    public static double OperationsPerSecond(Func<int, Task> operation, TimeSpan round, int rounds = 5, int workers = 1) =>
        Profile(operation, round, rounds, workers).PerSecond;

    /// <summary>
    /// The median rate, and this process's CPU time and allocations per operation over all timed rounds: on a busy
    /// machine the rate follows the load, the CPU an operation costs the client much less, its allocations not at all.
    /// </summary>
    public static Profiled Profile(Func<int, Task> operation, TimeSpan round, int rounds = 5, int workers = 1)
    {
        Run(operation, TimeSpan.FromMilliseconds(500), workers).GetAwaiter().GetResult();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        long operations = 0;
        var results = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var (count, elapsed) = Run(operation, round, workers).GetAwaiter().GetResult();
            operations += count;
            results.Add(count / elapsed.TotalSeconds);
        }
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        results.Sort();
        operations = Math.Max(operations, 1);
        return new Profiled(results[results.Count / 2], cpu.TotalMicroseconds / operations, (double)allocated / operations);
    }

    private static async Task<(long Count, TimeSpan Elapsed)> Run(Func<int, Task> operation, TimeSpan duration, int workers)
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
        return (counts.Sum(), stopwatch.Elapsed);
    }

    public sealed record Profiled(double PerSecond, double CpuMicrosecondsPerOperation, double AllocatedBytesPerOperation);

    public static void Report(string name, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}={value:0.##}"));

    /// <summary>A small ratio with three significant digits (0.00322, not 0).</summary>
    public static void ReportRatio(string name, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}={value:G3}"));

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
