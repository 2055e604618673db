using Commerce.Hosting.Settings;
using Microsoft.Extensions.Configuration;

namespace Commerce.Hosting.Queues;

/// <summary>
/// Queue trigger behaviour, named after host.json's extensions.queues so the local runtime and the
/// Azure Functions host behave alike (the metadata generator writes these values into host.json).
/// </summary>
public sealed record QueueTriggerOptions
{
    /// <summary>Messages taken per dequeue (Azure allows at most 32).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>A new batch is fetched when no more than this many messages are in flight.</summary>
    public int NewBatchThreshold { get; init; } = 8;

    /// <summary>Attempts before a message moves to the &lt;queue&gt;-poison queue.</summary>
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>How long a failed message stays hidden before its next attempt.</summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>The longest wait between polls of an empty remote queue; embedded queues wake up at once.</summary>
    public TimeSpan MaxPollingInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a message is hidden while its function runs; renewed at half-time, so a crashed worker's messages return after at most this.</summary>
    public TimeSpan MessageLease { get; init; } = TimeSpan.FromSeconds(30);

    public static QueueTriggerOptions Read(IConfiguration configuration)
    {
        var batchSize = configuration.GetInt("Queues:BatchSize", 16, 1, 32);
        return new QueueTriggerOptions
        {
            BatchSize = batchSize,
            NewBatchThreshold = configuration.GetInt("Queues:NewBatchThreshold", batchSize / 2, 0, 1000),
            MaxDequeueCount = configuration.GetInt("Queues:MaxDequeueCount", 5, 1, 1000),
            VisibilityTimeout = configuration.GetTimeSpan("Queues:VisibilityTimeout", TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromDays(7)),
            MaxPollingInterval = configuration.GetTimeSpan("Queues:MaxPollingInterval", TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)),
            MessageLease = configuration.GetTimeSpan("Queues:MessageLease", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2), TimeSpan.FromHours(1)),
        };
    }
}
