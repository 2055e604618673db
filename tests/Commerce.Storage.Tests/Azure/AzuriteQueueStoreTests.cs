using Commerce.Storage.AzureStorage;
using Commerce.Storage.Blobs;
using Commerce.Storage.Blobs.Azure;
using Commerce.Storage.Queues;
using Commerce.Storage.Queues.Azure;
using Commerce.Storage.Tests.Contracts;
using Commerce.Testing.Emulators;

namespace Commerce.Storage.Tests.Azure;

public sealed class AzuriteQueueStoreTests : QueueStoreContract, IClassFixture<AzuriteFixture>
{
    private readonly AzureStorageAccount _account;
    private readonly AzureQueueStore _queues;
    private readonly AzureBlobStore _blobs;

    public AzuriteQueueStoreTests(AzuriteFixture azurite)
    {
        _account = AzureStorageAccount.FromConnectionString(azurite.ConnectionString);
        _queues = new AzureQueueStore(_account);
        _blobs = new AzureBlobStore(_account);
    }

    protected override IQueueStore Adapter => _queues;
    protected override IBlobStore Blobs => _blobs;

    private Task<IMessageQueue> NewRawQueueAsync() => _queues.GetQueueAsync($"r{Guid.NewGuid():N}"[..24]);

    [Fact]
    public async Task Text_travels_exactly_without_base64_including_carriage_returns_and_markup()
    {
        var queue = await NewRawQueueAsync();
        const string body = "line 1\r\nline 2\rline 3\n\t<tag attr=\"v\">&amp; 'quoted' ]]> 漢字 😀</tag>  ";
        await queue.EnqueueAsync(body);

        var message = Assert.Single(await queue.DequeueAsync(1, TimeSpan.FromMinutes(1)));
        Assert.Equal(body, message.Body);
    }

    [Fact]
    public async Task Messages_never_expire()
    {
        var queue = await NewRawQueueAsync();
        await queue.EnqueueAsync("timer");

        var peeked = Assert.Single((await _account.Queues.GetQueueClient(queue.Name).PeekMessagesAsync()).Value);

        Assert.Equal(9999, peeked.ExpiresOn!.Value.Year);
    }

    [Fact]
    public async Task Dequeuing_more_than_32_takes_several_batches()
    {
        var queue = await NewRawQueueAsync();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => queue.EnqueueAsync($"m{i}")));

        var received = await queue.DequeueAsync(100, TimeSpan.FromMinutes(1));

        Assert.Equal(40, received.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task A_fractional_delay_is_rounded_up_to_whole_seconds_never_down()
    {
        var queue = await NewRawQueueAsync();
        var before = DateTimeOffset.UtcNow;
        await queue.EnqueueAsync("soon", TimeSpan.FromSeconds(1.2));

        var message = await DequeueOneWithinAsync(queue, TimeSpan.FromSeconds(10));

        Assert.True(DateTimeOffset.UtcNow - before >= TimeSpan.FromSeconds(1.2), $"visible after {DateTimeOffset.UtcNow - before}");
        Assert.Equal(1, message.DequeueCount);
    }

    [Fact]
    public async Task Delays_and_timeouts_beyond_seven_days_are_refused_by_the_raw_adapter()
    {
        var queue = await NewRawQueueAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.EnqueueAsync("x", TimeSpan.FromDays(7) + TimeSpan.FromSeconds(1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.DequeueAsync(1, TimeSpan.FromDays(8)));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync(new string('x', 64 * 1024 + 1)));
        await Assert.ThrowsAsync<ArgumentException>(() => queue.EnqueueAsync("bell \u0007"));
        Assert.Equal(0, await queue.GetApproximateCountAsync());
    }
}
