using System.Diagnostics;
using Commerce.Durable;
using Commerce.Durable.Hosting;
using Commerce.Hosting;
using Commerce.Storage.Queues;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Bench.Durable;

/// <summary>
/// The durable engine on the embedded backend: HelloSequence5 throughput over 1,000 instances, fan-out/fan-in
/// activity throughput, and the latency of one HelloSequence5 on an idle engine. The baseline, measured in
/// the same run and process, is a trivial queue function on the same queue runtime and store.
/// </summary>
public static class DurableBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var data = Path.Combine(Path.GetTempPath(), $"bench-durable-{Guid.NewGuid():N}");
        var baselineDone = 0;
        var baselineTarget = quick ? 2_000 : 10_000;
        var baselineFinished = new TaskCompletionSource();
        var builder = FunctionAppBuilder.Create([
            "--urls", "http://127.0.0.1:0",
            $"--Storage:DataDirectory={data}",
            "--Logging:LogLevel:Default=Warning",
            "--Catalog:SeedDemoData=false",
            $"--Auth:SigningKey={Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))}",
        ]);
        builder.Functions.AddQueue<Ping>("BaselinePing", "bench-baseline", (_, _) =>
        {
            if (Interlocked.Increment(ref baselineDone) == baselineTarget)
                baselineFinished.TrySetResult();
            return Task.CompletedTask;
        }, batchSize: 32, newBatchThreshold: 32);
        builder.AddDurableTask(tasks => tasks
            .AddOrchestratorFunc<string, string>("HelloSequence5", async (context, name) =>
            {
                var result = "";
                for (var i = 0; i < 5; i++)
                    result = await context.CallActivityAsync<string>("SayHello", $"{name}{i}");
                return result;
            })
            .AddOrchestratorFunc<int, int>("FanOutFanIn", async (context, width) =>
            {
                var parts = await Task.WhenAll(Enumerable.Range(0, width).Select(i => context.CallActivityAsync<int>("Identity", i)));
                return parts.Length;
            })
            .AddActivityFunc<string, string>("SayHello", (_, name) => Task.FromResult($"Hello {name}!"))
            .AddActivityFunc<int, int>("Identity", (_, n) => Task.FromResult(n)));

        await using var app = builder.Build();
        await app.StartAsync();
        var client = app.Services.GetRequiredService<DurableTaskClient>();
        try
        {
            // Warm-up: JIT and SQLite caches.
            await Task.WhenAll(Enumerable.Range(0, 50).Select(async i => await client.WaitForInstanceCompletionAsync(await client.ScheduleNewOrchestrationInstanceAsync("HelloSequence5", "warm"))));

            var baselineQueue = await app.Services.GetRequiredService<IQueueStore>().GetQueueAsync("bench-baseline");
            var baseline = Stopwatch.StartNew();
            for (var i = 0; i < baselineTarget; i++)
                await baselineQueue.EnqueueAsync("{}");
            await baselineFinished.Task;
            var baselinePerSecond = baselineTarget / baseline.Elapsed.TotalSeconds;

            var instances = quick ? 200 : 1_000;
            var sequence = Stopwatch.StartNew();
            var ids = await Task.WhenAll(Enumerable.Range(0, instances).Select(i => client.ScheduleNewOrchestrationInstanceAsync("HelloSequence5", "bench")));
            foreach (var id in ids)
                await client.WaitForInstanceCompletionAsync(id);
            var sequencePerSecond = instances / sequence.Elapsed.TotalSeconds;

            var fanOuts = quick ? 3 : 10;
            var fanOut = Stopwatch.StartNew();
            for (var i = 0; i < fanOuts; i++)
                await client.WaitForInstanceCompletionAsync(await client.ScheduleNewOrchestrationInstanceAsync("FanOutFanIn", 100));
            var activitiesPerSecond = fanOuts * 100 / fanOut.Elapsed.TotalSeconds;

            var latencies = new List<double>();
            for (var i = 0; i < (quick ? 20 : 100); i++)
            {
                var one = Stopwatch.StartNew();
                await client.WaitForInstanceCompletionAsync(await client.ScheduleNewOrchestrationInstanceAsync("HelloSequence5", "solo"));
                latencies.Add(one.Elapsed.TotalMilliseconds);
            }
            latencies.Sort();

            var peer = await DtfxMemoryPeer.RunAsync(instances, fanOuts);

            Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; embedded backend (SQLite documents + queues)");
            Measure.Report("baseline_queue_function_messages_per_s", baselinePerSecond);
            Measure.Report("hello_sequence5_orchestrations_per_s", sequencePerSecond);
            Measure.Report("hello_sequence5_activities_per_s", sequencePerSecond * 5);
            Measure.Report("activities_per_s", activitiesPerSecond);
            Measure.Report("activities_ratio_to_baseline", activitiesPerSecond / baselinePerSecond);
            Measure.Report("hello_sequence5_p50_ms", latencies[latencies.Count / 2]);
            Measure.Report("hello_sequence5_p95_ms", latencies[(int)(latencies.Count * 0.95)]);
            Measure.Report("dtfx_memory_hello_sequence5_orchestrations_per_s", peer.SequencePerSecond);
            Measure.Report("dtfx_memory_fanout_activities_per_s", peer.FanOutActivitiesPerSecond);
            Measure.Report("hello_sequence5_ratio_to_dtfx_memory", sequencePerSecond / peer.SequencePerSecond);
            Measure.Report("fanout_ratio_to_dtfx_memory", activitiesPerSecond / peer.FanOutActivitiesPerSecond);
            return 0;
        }
        finally
        {
            await app.StopAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(data, recursive: true); } catch (IOException) { }
        }
    }

    private sealed record Ping;
}
