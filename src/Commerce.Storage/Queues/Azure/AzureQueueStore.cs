using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Commerce.Storage.AzureStorage;

namespace Commerce.Storage.Queues.Azure;

/// <summary>
/// Azure Storage queues (or Azurite) through the Azure SDK. Message text travels as given, without base64, as the
/// Functions host expects with <c>messageEncoding: none</c>; messages never expire. Bodies over 64 KiB and delays
/// over 7 days are for <see cref="QueueEnvelopeStore"/> to carry. Keep one instance for the life of the
/// application: it remembers which queues it has already created.
/// </summary>
public sealed class AzureQueueStore : IQueueStore
{
    public const string AdapterName = "azure-queue";

    private readonly QueueServiceClient _client;
    private readonly AzureStorageClientOptions _options;
    private readonly ConcurrentDictionary<string, Task<AzureMessageQueue>> _queues = new(StringComparer.Ordinal);

    /// <param name="options">the options <paramref name="client"/> was made with (<see cref="AzureStorageAccount"/>).</param>
    public AzureQueueStore(QueueServiceClient client, AzureStorageClientOptions options)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _options = options ?? throw new ArgumentNullException(nameof(options));
    }

    public AzureQueueStore(AzureStorageAccount account) : this(account.Queues, account.Options)
    {
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
        StorageFailures.CheckHealthAsync("queues", Adapter, "Queue", _client.Uri, _options.HealthTimeout, async token =>
        {
            await using var pages = _client.GetQueuesAsync(cancellationToken: token).AsPages(pageSizeHint: 1).GetAsyncEnumerator(token);
            await pages.MoveNextAsync().ConfigureAwait(false);
        }, cancellationToken);

    private async Task<AzureMessageQueue> CreateQueueAsync(string name)
    {
        var queue = _client.GetQueueClient(name);
        await queue.CreateIfNotExistsAsync().ConfigureAwait(false);
        return new AzureMessageQueue(queue);
    }
}
