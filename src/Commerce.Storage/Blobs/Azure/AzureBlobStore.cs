using System.Collections.Concurrent;
using Azure.Core;
using Commerce.Storage.AzureStorage;

namespace Commerce.Storage.Blobs.Azure;

/// <summary>
/// Block blobs in Azure Blob Storage (or Azurite) over the Blob REST API. Keep one instance for the life of the
/// application: it remembers which containers it has already created.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    public const string AdapterName = "azure-blob";

    private readonly StorageServiceClient _client;
    private readonly ConcurrentDictionary<string, Task<AzureBlobContainer>> _containers = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">the connection has no blob endpoint or no usable credentials, or an option is out of range.</exception>
    public AzureBlobStore(AzureStorageConnection connection, AzureStorageClientOptions? options = null)
    {
        _client = new StorageServiceClient("blob", connection, options ?? new AzureStorageClientOptions());
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
        _client.CheckHealthAsync("blobs", Adapter, cancellationToken);

    private async Task<AzureBlobContainer> CreateContainerAsync(string name)
    {
        using var message = _client.CreateMessage(RequestMethod.Put, name);
        message.Request.Uri.AppendQuery("restype", "container");
        var response = await _client.SendAsync(message, CancellationToken.None).ConfigureAwait(false);
        if (response.Status != 201 && !(response.Status == 409 && StorageServiceClient.ErrorCode(response) == "ContainerAlreadyExists"))
            throw _client.Failure(response, $"creating container '{name}'");
        return new AzureBlobContainer(_client, name);
    }
}
