using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Commerce.Storage.AzureStorage;

/// <summary>
/// How the Azure Storage adapters use the SDK clients. Defaults: 3 retries with exponential back-off from 0.5 s
/// (so an unreachable endpoint fails within seconds), 100 s per try, connections opened within 10 s.
/// </summary>
public sealed class AzureStorageClientOptions
{
    private static readonly HttpPipelineTransport SharedTransport = new HttpClientTransport(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(10),
        // Re-resolve DNS now and then, as storage front ends move.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    });

    public int MaxRetries { get; set; } = 3;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(0.5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(8);

    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>How long a health check waits, retries included, before reporting the store not ready.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Blobs up to this size go up in one Put Blob; larger ones in blocks, so a failed try repeats one block only.</summary>
    public int BlobSingleUploadLimit { get; set; } = 8 * 1024 * 1024;

    /// <summary>The size of each block of a large blob.</summary>
    public int BlobBlockSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>How many blocks of one blob are uploaded at the same time.</summary>
    public int BlobUploadConcurrency { get; set; } = 4;

    /// <summary>Names per List Blobs page; the service's maximum, lowered only by tests to exercise paging.</summary>
    internal int ListPageSize { get; set; } = 5000;

    internal StorageTransferOptions TransferOptions => new()
    {
        InitialTransferSize = BlobSingleUploadLimit,
        MaximumTransferSize = BlobBlockSize,
        MaximumConcurrency = BlobUploadConcurrency,
    };

    public BlobClientOptions CreateBlobClientOptions() => Configure(new BlobClientOptions(), "Blob");

    /// <summary>Message text travels as given, without base64, as the Functions host reads it with <c>messageEncoding: none</c>.</summary>
    public QueueClientOptions CreateQueueClientOptions() => Configure(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None }, "Queue");

    private T Configure<T>(T options, string service) where T : ClientOptions
    {
        Validate();
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = RetryDelay;
        options.Retry.MaxDelay = MaxRetryDelay;
        options.Retry.NetworkTimeout = NetworkTimeout;
        options.Transport = SharedTransport;
        options.AddPolicy(new StorageTransportFailurePolicy(service, this), HttpPipelinePosition.PerCall);
        return options;
    }

    private void Validate()
    {
        if (MaxRetries < 0)
            throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "Retries cannot be negative.");
        if (NetworkTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(NetworkTimeout), NetworkTimeout, "The network timeout must be positive.");
        if (HealthTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(HealthTimeout), HealthTimeout, "The health timeout must be positive.");
        if (BlobSingleUploadLimit < 1)
            throw new ArgumentOutOfRangeException(nameof(BlobSingleUploadLimit), BlobSingleUploadLimit, "The single upload limit must be at least one byte.");
        if (BlobBlockSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BlobBlockSize), BlobBlockSize, "A block holds at least one byte.");
        if (BlobUploadConcurrency < 1)
            throw new ArgumentOutOfRangeException(nameof(BlobUploadConcurrency), BlobUploadConcurrency, "At least one block must be uploaded at a time.");
        if (ListPageSize is < 1 or > 5000)
            throw new ArgumentOutOfRangeException(nameof(ListPageSize), ListPageSize, "A list page holds 1 to 5000 names.");
    }
}
