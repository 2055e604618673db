using System.Collections.Concurrent;
using Azure.Storage.Blobs;
using Commerce.Storage.AzureStorage;

namespace Commerce.Storage.Blobs.Azure;

/// <summary>
/// Block blobs in Azure Blob Storage (or Azurite) through the Azure SDK. Keep one instance for the life of the
/// application: it remembers which containers it has already created.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    public const string AdapterName = "azure-blob";

    private readonly BlobServiceClient _client;
    private readonly AzureStorageClientOptions _options;
    private readonly ConcurrentDictionary<string, Task<AzureBlobContainer>> _containers = new(StringComparer.Ordinal);

    /// <param name="options">the options <paramref name="client"/> was made with (<see cref="AzureStorageAccount"/>).</param>
    public AzureBlobStore(BlobServiceClient client, AzureStorageClientOptions options)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public AzureBlobStore(AzureStorageAccount account) : this(account.Blobs, account.Options)
    {
    }

    public string Adapter => AdapterName;

    public async Task<IBlobContainer> GetContainerAsync(string name, CancellationToken cancellationToken = default)
    {
        StorageNames.Validate("container", name);
        var creating = _containers.GetOrAdd(name, CreateContainerAsync);
        try
        {
            return await creating.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (creating.IsFaulted || creating.IsCanceled)
        {
            _containers.TryRemove(new KeyValuePair<string, Task<AzureBlobContainer>>(name, creating));
            throw;
        }
    }

    public Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default) =>
        StorageFailures.CheckHealthAsync("blobs", Adapter, "Blob", _client.Uri, _options.HealthTimeout, async token =>
        {
            await using var pages = _client.GetBlobContainersAsync(cancellationToken: token).AsPages(pageSizeHint: 1).GetAsyncEnumerator(token);
            await pages.MoveNextAsync().ConfigureAwait(false);
        }, cancellationToken);

    private async Task<AzureBlobContainer> CreateContainerAsync(string name)
    {
        var container = _client.GetBlobContainerClient(name);
        await container.CreateIfNotExistsAsync().ConfigureAwait(false);
        return new AzureBlobContainer(container, _options);
    }
}
