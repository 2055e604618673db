using Azure.Core;
using Azure.Core.Pipeline;

namespace Commerce.Storage.AzureStorage;

/// <summary>
/// How the Azure Storage adapters talk to the service. Defaults: 3 retries with exponential back-off from 0.5 s
/// (so an unreachable endpoint fails within seconds), 100 s per try, connections opened within 10 s.
/// </summary>
public sealed class AzureStorageClientOptions : ClientOptions
{
    /// <summary>A published REST API version that Azurite 3.37 also accepts.</summary>
    public const string DefaultServiceVersion = "2025-05-05";

    private static readonly HttpPipelineTransport SharedTransport = new HttpClientTransport(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(10),
        // Re-resolve DNS now and then, as storage front ends move.
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    });

    public AzureStorageClientOptions()
    {
        Retry.Mode = RetryMode.Exponential;
        Retry.MaxRetries = 3;
        Retry.Delay = TimeSpan.FromSeconds(0.5);
        Retry.MaxDelay = TimeSpan.FromSeconds(8);
        Retry.NetworkTimeout = TimeSpan.FromSeconds(100);
        Transport = SharedTransport;
    }

    /// <summary>The <c>x-ms-version</c> sent with every request.</summary>
    public string ServiceVersion { get; set; } = DefaultServiceVersion;

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

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(ServiceVersion))
            throw new ArgumentException("The storage service version must be set, e.g. " + DefaultServiceVersion + ".", nameof(ServiceVersion));
        if (HealthTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(HealthTimeout), HealthTimeout, "The health timeout must be positive.");
        if (BlobSingleUploadLimit < 0)
            throw new ArgumentOutOfRangeException(nameof(BlobSingleUploadLimit), BlobSingleUploadLimit, "The single upload limit cannot be negative.");
        if (BlobBlockSize < 1)
            throw new ArgumentOutOfRangeException(nameof(BlobBlockSize), BlobBlockSize, "A block holds at least one byte.");
        if (BlobUploadConcurrency < 1)
            throw new ArgumentOutOfRangeException(nameof(BlobUploadConcurrency), BlobUploadConcurrency, "At least one block must be uploaded at a time.");
        if (ListPageSize is < 1 or > 5000)
            throw new ArgumentOutOfRangeException(nameof(ListPageSize), ListPageSize, "A list page holds 1 to 5000 names.");
    }
}
