using System.Collections.Concurrent;
using Azure.Core;
using Commerce.Storage.AzureStorage;

namespace Commerce.Storage.Queues.Azure;

/// <summary>
/// Azure Storage queues (or Azurite) over the Queue REST API. Message text travels as given, without base64, as
/// the Functions host expects with <c>messageEncoding: none</c>; messages never expire. Bodies over 64 KiB and
/// delays over 7 days are for <see cref="QueueEnvelopeStore"/> to carry. Keep one instance for the life of the
/// application: it remembers which queues it has already created.
/// </summary>
public sealed class AzureQueueStore : IQueueStore
{
    public const string AdapterName = "azure-queue";

    private readonly StorageServiceClient _client;
    private readonly ConcurrentDictionary<string, Task<AzureMessageQueue>> _queues = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">the connection has no queue endpoint or no usable credentials, or an option is out of range.</exception>
    public AzureQueueStore(AzureStorageConnection connection, AzureStorageClientOptions? options = null)
    {
        _client = new StorageServiceClient("queue", connection, options ?? new AzureStorageClientOptions());
    }

    public string Adapter => AdapterName;

    public async Task<IMessageQueue> GetQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        StorageNames.Validate("queue", name);
        var creating = _queues.GetOrAdd(name, CreateQueueAsync);
        try
        {
            return await creating.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (creating.IsFaulted || creating.IsCanceled)
        {
            _queues.TryRemove(new KeyValuePair<string, Task<AzureMessageQueue>>(name, creating));
            throw;
        }
    }

    public Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default) =>
        _client.CheckHealthAsync("queues", Adapter, cancellationToken);

    private async Task<AzureMessageQueue> CreateQueueAsync(string name)
    {
        using var message = _client.CreateMessage(RequestMethod.Put, name);
        var response = await _client.SendAsync(message, CancellationToken.None).ConfigureAwait(false);
        // 204: it exists already; 409 QueueAlreadyExists: it exists with metadata of its own, which is fine too.
        if (response.Status is not (201 or 204) && !(response.Status == 409 && StorageServiceClient.ErrorCode(response) == "QueueAlreadyExists"))
            throw _client.Failure(response, $"creating queue '{name}'");
        return new AzureMessageQueue(_client, name);
    }
}
