using System.Collections.Concurrent;
using Commerce.Storage.Blobs;
using Commerce.Storage.Queues;
using Commerce.Testing;

namespace Commerce.Storage.Tests.Contracts;

/// <summary>
/// The behaviour every queue adapter must show once composed as it ships: adapter + envelope layer
/// (large payloads to blobs, delays beyond the adapter's limit). One subclass per adapter runs it.
/// </summary>
public abstract class QueueStoreContract
{
    protected abstract IQueueStore Adapter { get; }
    protected abstract IBlobStore Blobs { get; }

    private IQueueStore Compose(QueueEnvelopeOptions? options = null) => new QueueEnvelopeStore(Adapter, Blobs, options ?? new QueueEnvelopeOptions());

    private Task<IMessageQueue> NewQueueAsync(QueueEnvelopeOptions? options = null) => Compose(options).GetQueueAsync($"q{Guid.NewGuid():N}"[..24]);

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_dequeued_message_carries_its_body_and_is_hidden_from_others()
    {
        var queue = await NewQueueAsync();
        const string body = "{\"orderId\":\"o-1\",\"note\":\"<&> é 漢字\"}";
        var id = await queue.EnqueueAsync(body);

        var first = Assert.Single(await queue.DequeueAsync(10, Long));
        Assert.Equal(id, first.MessageId);
        Assert.Equal(body, first.Body);
        Assert.Equal(1, first.DequeueCount);
        Assert.False(string.IsNullOrEmpty(first.PopReceipt));
        Assert.True(first.NextVisibleOn > DateTimeOffset.UtcNow.AddMinutes(4));
        Assert.Empty(await queue.DequeueAsync(10, Long));
    }

    [Fact]
    public async Task A_message_past_its_time_to_live_is_never_delivered_while_the_others_are()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueExpiringAsync("short-lived", TimeSpan.FromSeconds(1));
        await queue.EnqueueAsync("kept");
        await queue.EnqueueExpiringAsync("long-lived", TimeSpan.FromMinutes(10));

        await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.Equal(["kept", "long-lived"], (await queue.DequeueAsync(10, Long)).Select(m => m.Body).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_deleted_message_never_comes_back()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync("x");
        var message = Assert.Single(await queue.DequeueAsync(1, TimeSpan.FromSeconds(1)));
        await queue.DeleteAsync(message);

        await Task.Delay(1500);
        Assert.Empty(await queue.DequeueAsync(10, Long));
        Assert.Equal(0, await queue.GetApproximateCountAsync());
    }

    [Fact]
    public async Task An_undeleted_message_reappears_after_its_visibility_timeout_with_a_higher_dequeue_count()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync("retry me");
        var first = Assert.Single(await queue.DequeueAsync(1, TimeSpan.FromSeconds(1)));

        var second = await DequeueOneWithinAsync(queue, TimeSpan.FromSeconds(10));

        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(2, second.DequeueCount);
        Assert.NotEqual(first.PopReceipt, second.PopReceipt);
        await Assert.ThrowsAsync<QueueMessageNotFoundException>(() => queue.DeleteAsync(first));
        await queue.DeleteAsync(second);
    }

    [Fact]
    public async Task Deleting_twice_is_reported()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync("x");
        var message = Assert.Single(await queue.DequeueAsync(1, Long));
        await queue.DeleteAsync(message);

        await Assert.ThrowsAsync<QueueMessageNotFoundException>(() => queue.DeleteAsync(message));
    }

    [Fact]
    public async Task A_delayed_message_stays_invisible_until_its_delay_passes()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync("later", TimeSpan.FromSeconds(2));

        Assert.Empty(await queue.DequeueAsync(10, Long));
        var message = await DequeueOneWithinAsync(queue, TimeSpan.FromSeconds(10));
        Assert.Equal("later", message.Body);
        Assert.Equal(1, message.DequeueCount);
    }

    [Fact]
    public async Task Delays_longer_than_the_adapter_allows_are_carried_over_until_due()
    {
        var queue = await NewQueueAsync(new QueueEnvelopeOptions { MaxNativeDelay = TimeSpan.FromSeconds(1) });
        var started = DateTimeOffset.UtcNow;
        await queue.EnqueueAsync("{\"timer\":1}", TimeSpan.FromSeconds(3.5));

        var message = await DequeueOneWithinAsync(queue, TimeSpan.FromSeconds(15));

        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(3.4), $"delivered after {DateTimeOffset.UtcNow - started}");
        Assert.Equal("{\"timer\":1}", message.Body);
        Assert.Equal(1, message.DequeueCount);
        await queue.DeleteAsync(message);
        Assert.Equal(0, await queue.GetApproximateCountAsync());
    }

    [Fact]
    public async Task Eight_day_delays_are_accepted_and_hidden()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync("next week and a day", TimeSpan.FromDays(8));

        Assert.Empty(await queue.DequeueAsync(10, Long));
        Assert.Equal(1, await queue.GetApproximateCountAsync());
    }

    [Fact]
    public async Task Visibility_can_be_extended_and_released()
    {
        var queue = await NewQueueAsync();
        await queue.EnqueueAsync("lease");
        var message = Assert.Single(await queue.DequeueAsync(1, TimeSpan.FromSeconds(1)));

        var extended = await queue.UpdateVisibilityAsync(message, TimeSpan.FromSeconds(30));
        Assert.NotEqual(message.PopReceipt, extended.PopReceipt);
        await Task.Delay(1500);
        Assert.Empty(await queue.DequeueAsync(1, Long));

        await queue.UpdateVisibilityAsync(extended, TimeSpan.Zero);
        var again = await DequeueOneWithinAsync(queue, TimeSpan.FromSeconds(5));
        Assert.Equal(message.MessageId, again.MessageId);
        Assert.Equal("lease", again.Body);
        await Assert.ThrowsAsync<QueueMessageNotFoundException>(() => queue.UpdateVisibilityAsync(extended, TimeSpan.Zero));
    }

    [Fact]
    public async Task Batches_hand_out_each_message_once()
    {
        var queue = await NewQueueAsync();
        for (var i = 0; i < 10; i++)
            await queue.EnqueueAsync($"m{i}");

        var first = await queue.DequeueAsync(6, Long);
        var second = await queue.DequeueAsync(6, Long);

        Assert.Equal(6, first.Count);
        Assert.Equal(4, second.Count);
        Assert.Equal(10, first.Concat(second).Select(m => m.Body).Distinct().Count());
        Assert.Empty(await queue.DequeueAsync(6, Long));
        Assert.Equal(10, await queue.GetApproximateCountAsync());
    }

    [Fact]
    public async Task Competing_consumers_receive_every_message_exactly_once()
    {
        var queue = await NewQueueAsync();
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i => queue.EnqueueAsync($"m{i}")));
        var received = new ConcurrentBag<string>();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (true)
            {
                var batch = await queue.DequeueAsync(5, Long);
                if (batch.Count == 0)
                    return;
                foreach (var message in batch)
                {
                    received.Add(message.Body);
                    await queue.DeleteAsync(message);
                }
            }
        }));

        Assert.Equal(60, received.Count);
        Assert.Equal(60, received.Distinct().Count());
    }

    [Fact]
    public async Task Payloads_beyond_the_inline_limit_round_trip_through_blobs_and_are_removed_with_the_message()
    {
        var queue = await NewQueueAsync();
        var body = "{\"blob\":\"" + new string('x', 150_000) + "\"}";
        var payloads = await Blobs.GetContainerAsync(QueueEnvelopeStore.PayloadContainer);
        var before = await CountAsync(payloads.ListAsync($"{queue.Name}/"));

        await queue.EnqueueAsync(body);
        Assert.Equal(before + 1, await CountAsync(payloads.ListAsync($"{queue.Name}/")));
        var message = Assert.Single(await queue.DequeueAsync(1, Long));
        Assert.Equal(body, message.Body);
        await queue.DeleteAsync(message);

        Assert.Equal(before, await CountAsync(payloads.ListAsync($"{queue.Name}/")));
    }

    [Fact]
    public async Task A_delayed_payload_that_fits_alone_but_not_wrapped_goes_through_a_blob()
    {
        var queue = await NewQueueAsync(new QueueEnvelopeOptions { MaxNativeDelay = TimeSpan.FromSeconds(1) });
        // 40 KB of quotes: within the inline limit as it is, about twice that once escaped inside an envelope.
        var body = "{\"quotes\":\"" + new string('\'', 40_000).Replace('\'', '"') + "\"}";
        var payloads = await Blobs.GetContainerAsync(QueueEnvelopeStore.PayloadContainer);
        var before = await CountAsync(payloads.ListAsync($"{queue.Name}/"));

        await queue.EnqueueAsync(body, TimeSpan.FromSeconds(1.5));
        Assert.Equal(before + 1, await CountAsync(payloads.ListAsync($"{queue.Name}/")));
        var message = await DequeueOneWithinAsync(queue, TimeSpan.FromSeconds(15));

        Assert.Equal(body, message.Body);
        await queue.DeleteAsync(message);
    }

    [Fact]
    public async Task Bad_queue_names_are_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Compose().GetQueueAsync("Bad_Name"));
        await Assert.ThrowsAsync<ArgumentException>(() => Compose().GetQueueAsync("ab"));
    }

    [Fact]
    public async Task Health_reports_ready_with_the_adapter_name()
    {
        var store = Compose();
        var health = await store.CheckHealthAsync();

        Assert.True(health.Ready, health.Detail);
        Assert.Equal("queues", health.Store);
        Assert.Equal(Adapter.Adapter, store.Adapter);
    }

    protected static async Task<QueueMessage> DequeueOneWithinAsync(IMessageQueue queue, TimeSpan within) =>
        (await Poll.UntilAsync(() => queue.DequeueAsync(1, Long), batch => batch.Count == 1, within, $"a message to become visible in {queue.Name}",
            TimeSpan.FromMilliseconds(100), batch => $"{batch.Count} messages"))[0];

    private static async Task<int> CountAsync<T>(IAsyncEnumerable<T> items)
    {
        var count = 0;
        await foreach (var _ in items)
            count++;
        return count;
    }
}
