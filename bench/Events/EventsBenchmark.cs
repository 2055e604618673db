using System.Diagnostics;
using System.Text;
using Commerce.Analytics.Lake;
using Commerce.Bench.Http;
using Commerce.Events.Behaviour;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Bench.Events;

/// <summary>
/// Behaviour events over HTTP on the embedded preset: batches of 100 at 32 connections, each event with its own
/// id, while the compaction timer moves them into the lake. Reports events accepted per second, how fast
/// compaction moved them (load time plus the time to empty the inbox after it), the backlog when the load
/// stopped, and the ping baseline of the same run. Every accepted event is then counted in the lake.
/// </summary>
public static class EventsBenchmark
{
    private const int Connections = 32;
    private const int BatchSize = 100;

    public static async Task<int> RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var duration = TimeSpan.FromSeconds(quick ? 5 : 20);
        await using var app = await BenchApp.StartAsync("--Catalog:SeedDemoData=false", "--Lake:CompactionSchedule=*/2 * * * * *");
        var baseline = await HttpLoad.RunAsync(app.Address, _ => new HttpRequestMessage(HttpMethod.Get, BenchApp.BaselineRoute), Connections, TimeSpan.FromSeconds(quick ? 2 : 5), TimeSpan.FromSeconds(1));

        var sent = DateTimeOffset.UtcNow;
        var template = new BatchTemplate(sent, Guid.NewGuid().ToString("N")[..8]);
        var started = Stopwatch.GetTimestamp();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var load = await HttpLoad.RunAsync(app.Address, _ => new HttpRequestMessage(HttpMethod.Post, "api/events")
        {
            Content = new ByteArrayContent(template.Next()) { Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") } },
        }, Connections, duration, TimeSpan.FromSeconds(1));
        var loadEnded = Stopwatch.GetTimestamp();
        var services = app.Services;
        var backlog = await services.GetRequiredService<EventInbox>().CountAsync();

        // The compaction timer keeps running: wait until it has emptied the inbox.
        while (await services.GetRequiredService<EventInbox>().CountAsync() > 0)
            await Task.Delay(100);
        var drained = Stopwatch.GetTimestamp();
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;

        await using var lake = await services.GetRequiredService<Lake>().OpenAsync();
        using var count = lake.Command("SELECT count(*) FROM events WHERE source = 'client'");
        var inLake = Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        // The warm-up's batches are in the lake too, so it holds at least what the timed load had accepted.
        var accepted = load.Requests * BatchSize;
        var loadSeconds = Stopwatch.GetElapsedTime(started, loadEnded).TotalSeconds;

        Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; {Connections} connections, batches of {BatchSize}, {duration.TotalSeconds:0} s; embedded preset, compaction every 2 s");
        Measure.Report("baseline_ping_requests_per_s", baseline.RequestsPerSecond);
        Measure.Report("events_accepted_per_s", load.RequestsPerSecond * BatchSize);
        Measure.Report("event_batches_per_s", load.RequestsPerSecond);
        Measure.Report("ratio_batches_to_ping", load.RequestsPerSecond / baseline.RequestsPerSecond);
        Measure.Report("batch_p50_ms", load.P50Ms);
        Measure.Report("batch_p99_ms", load.P99Ms);
        Measure.Report("failed_batches", load.Failures);
        Measure.Report("inbox_backlog_batches_at_load_end", backlog);
        Measure.Report("drain_after_load_s", Stopwatch.GetElapsedTime(loadEnded, drained).TotalSeconds);
        Measure.Report("events_compacted_per_s", inLake / Stopwatch.GetElapsedTime(started, drained).TotalSeconds);
        Measure.Report("events_in_lake", inLake);
        Measure.Report("process_cpu_s", cpuUsed.TotalSeconds);
        Measure.Report("load_s", loadSeconds);
        return inLake >= accepted ? 0 : 1;
    }

    /// <summary>
    /// A batch of 100 product views and searches for one device, made once; each request copies it and writes its
    /// own number into every event id, so that all events are distinct while the load generator does little work.
    /// </summary>
    private sealed class BatchTemplate
    {
        private const string Slot = "000000000000";
        private readonly byte[] _bytes;
        private readonly int[] _slots;

        public BatchTemplate(DateTimeOffset at, string run)
        {
            var events = Enumerable.Range(0, BatchSize).Select(i => i % 5 == 4
                ? $$"""{"id":"{{run}}-{{Slot}}-{{i}}","type":"search","timestamp":"{{at:O}}","query":"red lantern {{i}}"}"""
                : $$"""{"id":"{{run}}-{{Slot}}-{{i}}","type":"product_viewed","timestamp":"{{at:O}}","sku":"SKU-{{i % 40}}"}""");
            _bytes = Encoding.UTF8.GetBytes($$"""{"deviceId":"bench-{{run}}","events":[{{string.Join(",", events)}}]}""");
            var slot = Encoding.UTF8.GetBytes(Slot);
            var slots = new List<int>();
            for (var offset = _bytes.AsSpan().IndexOf(slot); offset >= 0;)
            {
                slots.Add(offset);
                var next = _bytes.AsSpan(offset + slot.Length).IndexOf(slot);
                offset = next < 0 ? -1 : offset + slot.Length + next;
            }
            _slots = [.. slots];
        }

        private long _requests;

        /// <summary>The next request's body (the load generator's own numbering restarts after its warm-up).</summary>
        public byte[] Next()
        {
            var request = Interlocked.Increment(ref _requests);
            var body = (byte[])_bytes.Clone();
            Span<byte> digits = stackalloc byte[Slot.Length];
            System.Buffers.Text.Utf8Formatter.TryFormat(request, digits, out _, new System.Buffers.StandardFormat('D', (byte)Slot.Length));
            foreach (var at in _slots)
                digits.CopyTo(body.AsSpan(at));
            return body;
        }
    }
}
