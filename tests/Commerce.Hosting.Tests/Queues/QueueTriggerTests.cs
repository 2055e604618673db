using System.Collections.Concurrent;
using Commerce.Hosting.Functions;
using Commerce.Storage.Queues;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Hosting.Tests.Queues;

public sealed class QueueTriggerTests
{
    public sealed record Greeting(string Name, int Times);

    private static readonly Dictionary<string, string> FastPolling = new()
    {
        ["Queues:MaxPollingInterval"] = "00:00:00.200",
        ["Queues:MessageLease"] = "00:00:05",
    };

    private static async Task<IMessageQueue> QueueAsync(FunctionAppHarness app, string name) =>
        await app.Services.GetRequiredService<IQueueStore>().GetQueueAsync(name);

    [Fact]
    public async Task A_message_reaches_its_function_typed_and_is_removed_after_success()
    {
        var received = new ConcurrentQueue<(Greeting Message, QueueTriggerInfo Info)>();
        await using var app = await FunctionAppHarness.StartAsync(b => b.Functions.AddQueue<Greeting>("Greet", "greetings", (m, ctx) =>
        {
            received.Enqueue((m, ctx.Queue!));
            return Task.CompletedTask;
        }), FastPolling);
        var queue = await QueueAsync(app, "greetings");

        var id = await queue.EnqueueAsync("""{"name":"Ada","times":3}""");
        await Poll.UntilAsync(async () => (Received: received.Count, Queued: await queue.GetApproximateCountAsync()), c => c.Received > 0 && c.Queued == 0, TimeSpan.FromSeconds(10), "the message to be processed (received, queued)");

        var (message, info) = Assert.Single(received);
        Assert.Equal(new Greeting("Ada", 3), message);
        Assert.Equal(id, info.MessageId);
        Assert.Equal(1, info.DequeueCount);
        Assert.Equal("greetings", info.QueueName);
    }

    [Fact]
    public async Task A_failing_message_is_tried_five_times_then_parked_in_the_poison_queue()
    {
        var attempts = new ConcurrentQueue<int>();
        await using var app = await FunctionAppHarness.StartAsync(b => b.Functions.AddQueue<Greeting>("AlwaysFails", "failing", (_, ctx) =>
        {
            attempts.Enqueue(ctx.Queue!.DequeueCount);
            throw new InvalidOperationException("downstream is broken");
        }), FastPolling);
        var queue = await QueueAsync(app, "failing");
        var poison = await QueueAsync(app, "failing-poison");

        await queue.EnqueueAsync("""{"name":"Bob","times":1}""");
        await Poll.UntilAsync(() => poison.GetApproximateCountAsync(), poisoned => poisoned == 1, TimeSpan.FromSeconds(20), "the poison queue to receive the message");

        Assert.Equal([1, 2, 3, 4, 5], attempts.ToArray());
        Assert.Equal(0, await queue.GetApproximateCountAsync());
        var parked = Assert.Single(await poison.DequeueAsync(5, TimeSpan.FromMinutes(1)));
        Assert.Equal("""{"name":"Bob","times":1}""", parked.Body);
    }

    [Fact]
    public async Task A_message_whose_deliveries_never_finished_goes_to_poison_without_running_again()
    {
        using var data = new TempDirectory();
        await using (var earlier = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, dataDirectory: data.Path))
        {
            // Five deliveries whose invocations died with their process: taken, never settled.
            var crashing = await QueueAsync(earlier, "crashing");
            await crashing.EnqueueAsync("""{"name":"Dee","times":1}""");
            for (var delivery = 1; delivery <= 5; delivery++)
            {
                Assert.Single(await crashing.DequeueAsync(1, TimeSpan.FromMilliseconds(1)));
                await Task.Delay(20);
            }
        }
        var calls = 0;

        await using var app = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, FastPolling, data.Path, b => b.Functions.AddQueue<Greeting>("Crashing", "crashing", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.CompletedTask;
        }));
        var queue = await QueueAsync(app, "crashing");
        var poison = await QueueAsync(app, "crashing-poison");
        await Poll.UntilAsync(async () => (Poisoned: await poison.GetApproximateCountAsync(), Queued: await queue.GetApproximateCountAsync()), c => c.Poisoned == 1 && c.Queued == 0, TimeSpan.FromSeconds(10), "the move to the poison queue (poisoned, queued)");

        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task The_dequeue_limit_follows_the_setting()
    {
        var attempts = 0;
        var settings = new Dictionary<string, string>(FastPolling) { ["Queues:MaxDequeueCount"] = "2" };
        await using var app = await FunctionAppHarness.StartAsync(b => b.Functions.AddQueue<Greeting>("FailsTwice", "limited", (_, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("no");
        }), settings);
        var poison = await QueueAsync(app, "limited-poison");

        await (await QueueAsync(app, "limited")).EnqueueAsync("""{"name":"C","times":1}""");
        await Poll.UntilAsync(() => poison.GetApproximateCountAsync(), poisoned => poisoned == 1, TimeSpan.FromSeconds(10), "the poison queue");

        Assert.Equal(2, attempts);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"name":"Ada","times":"three"}""")]
    [InlineData("null")]
    public async Task A_message_that_is_not_valid_json_for_the_function_goes_to_poison_at_once(string body)
    {
        var calls = 0;
        await using var app = await FunctionAppHarness.StartAsync(b => b.Functions.AddQueue<Greeting>("Strict", "strict", (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return Task.CompletedTask;
        }), FastPolling);
        var queue = await QueueAsync(app, "strict");
        var poison = await QueueAsync(app, "strict-poison");

        await queue.EnqueueAsync(body);
        // A move to poison adds the copy first and deletes the original after, so that nothing is lost in between.
        await Poll.UntilAsync(async () => (Poisoned: await poison.GetApproximateCountAsync(), Queued: await queue.GetApproximateCountAsync()), c => c.Poisoned == 1 && c.Queued == 0, TimeSpan.FromSeconds(10), "the move to the poison queue (poisoned, queued)");

        Assert.Equal(0, calls);
        var parked = Assert.Single(await poison.DequeueAsync(1, TimeSpan.FromMinutes(1)));
        Assert.Equal(body, parked.Body);
        Assert.Equal(1, parked.DequeueCount);
    }

    [Fact]
    public async Task Messages_run_concurrently_up_to_batch_size_plus_threshold_and_all_complete()
    {
        var running = 0;
        var peak = 0;
        var done = new ConcurrentBag<int>();
        var settings = new Dictionary<string, string>(FastPolling) { ["Queues:BatchSize"] = "4", ["Queues:NewBatchThreshold"] = "2" };
        await using var app = await FunctionAppHarness.StartAsync(b => b.Functions.AddQueue<Greeting>("Slow", "slow", async (m, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await Task.Delay(100);
            Interlocked.Decrement(ref running);
            done.Add(m.Times);
        }), settings);
        var queue = await QueueAsync(app, "slow");

        for (var i = 0; i < 30; i++)
            await queue.EnqueueAsync($$"""{"name":"n","times":{{i}}}""");
        await Poll.UntilAsync(() => done.Count, count => count == 30, TimeSpan.FromSeconds(20), "all messages");

        Assert.Equal(Enumerable.Range(0, 30), done.Order());
        Assert.InRange(peak, 2, 6);
    }

    [Fact]
    public async Task Shutdown_lets_an_in_flight_invocation_finish_and_completes_its_message()
    {
        var started = new TaskCompletionSource();
        var finished = false;
        var app = await FunctionAppHarness.StartAsync(b => b.Functions.AddQueue<Greeting>("Long", "long-running", async (_, _) =>
        {
            started.SetResult();
            await Task.Delay(1500);
            finished = true;
        }), FastPolling);
        var queue = await QueueAsync(app, "long-running");
        var data = app.DataDirectory;

        await queue.EnqueueAsync("""{"name":"x","times":1}""");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await app.App.StopAsync();

        Assert.True(finished);
        Assert.Equal(0, await queue.GetApproximateCountAsync());
        await app.DisposeAsync();
    }

    [Fact]
    public async Task An_invocation_cut_off_by_the_shutdown_timeout_leaves_its_message_for_the_next_start()
    {
        using var data = new TempDirectory();
        var settings = new Dictionary<string, string>(FastPolling) { ["Host:ShutdownTimeout"] = "00:00:00.500" };
        var started = new TaskCompletionSource();
        var app = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, settings, data.Path, b => b.Functions.AddQueue<Greeting>("Stuck", "stuck", async (_, ctx) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
        }));
        await (await QueueAsync(app, "stuck")).EnqueueAsync("""{"name":"x","times":1}""");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await app.DisposeAsync();

        var redelivered = new TaskCompletionSource<int>();
        await using var restarted = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, FastPolling, data.Path, b => b.Functions.AddQueue<Greeting>("Stuck", "stuck", (_, ctx) =>
        {
            redelivered.TrySetResult(ctx.Queue!.DequeueCount);
            return Task.CompletedTask;
        }));

        Assert.Equal(2, await redelivered.Task.WaitAsync(TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task A_function_running_longer_than_the_message_lease_keeps_its_message()
    {
        var calls = 0;
        var settings = new Dictionary<string, string>(FastPolling) { ["Queues:MessageLease"] = "00:00:02" };
        await using var app = await FunctionAppHarness.StartAsync(b => b.Functions.AddQueue<Greeting>("Slowest", "slowest", async (_, _) =>
        {
            Interlocked.Increment(ref calls);
            await Task.Delay(TimeSpan.FromSeconds(4.5));
        }), settings);
        var queue = await QueueAsync(app, "slowest");

        await queue.EnqueueAsync("""{"name":"x","times":1}""");
        await Poll.UntilAsync(async () => (Calls: Volatile.Read(ref calls), Queued: await queue.GetApproximateCountAsync()), c => c.Calls == 1 && c.Queued == 0, TimeSpan.FromSeconds(15), "the slow message to complete (calls, queued)");

        Assert.Equal(1, calls);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
