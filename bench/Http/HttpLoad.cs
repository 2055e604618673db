using System.Diagnostics;
using System.Net;

namespace Commerce.Bench.Http;

public sealed record LoadResult(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Failures);

/// <summary>
/// A closed-loop HTTP load generator (the role wrk plays): a fixed number of connections, each sending the
/// next request as soon as the previous answer arrives, for a fixed time; latency per request.
/// </summary>
public static class HttpLoad
{
    public static async Task<LoadResult> RunAsync(Uri baseAddress, Func<int, HttpRequestMessage> request, int connections, TimeSpan duration, TimeSpan warmUp)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await RunPhaseAsync(client, request, connections, warmUp);
        return await RunPhaseAsync(client, request, connections, duration);
    }

    private static async Task<LoadResult> RunPhaseAsync(HttpClient client, Func<int, HttpRequestMessage> request, int connections, TimeSpan duration)
    {
        var latencies = new List<double>[connections];
        long failures = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker] = new List<double>(100_000);
            var n = 0;
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                using var message = request(worker * 1_000_000 + n++);
                using var response = await client.SendAsync(message);
                await response.Content.LoadIntoBufferAsync();
                if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.Created or HttpStatusCode.NotModified))
                    Interlocked.Increment(ref failures);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })));
        var elapsed = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(all.Length / elapsed, Percentile(all, 0.50), Percentile(all, 0.99), all.Length, failures);
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * p))];
}
