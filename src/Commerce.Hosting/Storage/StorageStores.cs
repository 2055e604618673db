using Commerce.Storage;
using Commerce.Storage.Blobs;
using Commerce.Storage.Documents;
using Commerce.Storage.Queues;

namespace Commerce.Hosting.Storage;

public enum StoragePreset
{
    /// <summary>SQLite files and a local folder; no other process needed.</summary>
    Embedded,
    /// <summary>Blobs and queues in Azurite, documents in SQLite.</summary>
    Azurite,
    /// <summary>Cosmos DB documents, Azure Storage blobs and queues.</summary>
    Azure,
}

/// <summary>The three stores the app runs on, as chosen by the storage preset.</summary>
public sealed class StorageStores(StoragePreset preset, IDocumentStore documents, IBlobStore blobs, QueueEnvelopeStore queues, IReadOnlyList<IDisposable> owned) : IDisposable
{
    public StoragePreset Preset { get; } = preset;
    public IDocumentStore Documents { get; } = documents;
    public IBlobStore Blobs { get; } = blobs;
    public QueueEnvelopeStore Queues { get; } = queues;

    public async Task<IReadOnlyList<StoreHealth>> CheckAsync(CancellationToken cancellationToken = default) =>
        await Task.WhenAll(Documents.CheckHealthAsync(cancellationToken), Blobs.CheckHealthAsync(cancellationToken), Queues.CheckHealthAsync(cancellationToken)).ConfigureAwait(false);

    /// <exception cref="StoreUnavailableException">with a one-line message naming the first store that is not ready.</exception>
    public async Task EnsureReadyAsync(CancellationToken cancellationToken = default)
    {
        foreach (var health in await CheckAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!health.Ready)
                throw new StoreUnavailableException($"The {health.Store} store ({health.Adapter}) is not available: {health.Detail}"
                    + (Preset == StoragePreset.Azurite && health.Store != "documents" ? " (start Azurite with scripts/azurite)" : ""));
        }
    }

    public void Dispose()
    {
        foreach (var resource in owned)
            resource.Dispose();
    }
}
