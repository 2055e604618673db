using System.Text.Json;

namespace Commerce.Storage.Documents;

/// <summary>JSON documents addressed by partition key and id, with an ETag per write.</summary>
public interface IDocumentStore : IStoreHealthCheck
{
    string Adapter { get; }

    /// <summary>Opens a container, creating it on first use.</summary>
    Task<IDocumentContainer> GetContainerAsync(string name, CancellationToken cancellationToken = default);
}

public interface IDocumentContainer
{
    string Name { get; }

    Task<StoredDocument?> ReadAsync(string partitionKey, string id, CancellationToken cancellationToken = default);

    /// <exception cref="DocumentConflictException">a document with this id already exists in the partition.</exception>
    Task<StoredDocument> CreateAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default);

    Task<StoredDocument> UpsertAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default);

    /// <exception cref="DocumentNotFoundException">no such document.</exception>
    /// <exception cref="DocumentPreconditionFailedException">the document's ETag is not <paramref name="ifMatch"/>.</exception>
    Task<StoredDocument> ReplaceAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, string ifMatch, CancellationToken cancellationToken = default);

    /// <returns>false when there was no such document.</returns>
    /// <exception cref="DocumentPreconditionFailedException">an <paramref name="ifMatch"/> was given and does not match.</exception>
    Task<bool> DeleteAsync(string partitionKey, string id, string? ifMatch = null, CancellationToken cancellationToken = default);

    /// <summary>Queries one partition; pass the returned continuation token back to get the next page.</summary>
    Task<DocumentPage> QueryAsync(string partitionKey, DocumentQuery query, CancellationToken cancellationToken = default);
}

public sealed record StoredDocument(string PartitionKey, string Id, string ETag, ReadOnlyMemory<byte> Json)
{
    public T Deserialize<T>(JsonSerializerOptions? options = null) =>
        JsonSerializer.Deserialize<T>(Json.Span, options ?? DocumentJson.Options)
        ?? throw new JsonException($"Document '{Id}' is the JSON literal null.");
}

public sealed record DocumentPage(IReadOnlyList<StoredDocument> Items, string? ContinuationToken);

public class DocumentStoreException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class DocumentConflictException(string container, string partitionKey, string id)
    : DocumentStoreException($"Document '{id}' already exists in partition '{partitionKey}' of '{container}'.");

public sealed class DocumentNotFoundException(string container, string partitionKey, string id)
    : DocumentStoreException($"Document '{id}' does not exist in partition '{partitionKey}' of '{container}'.");

public sealed class DocumentPreconditionFailedException(string container, string partitionKey, string id)
    : DocumentStoreException($"Document '{id}' in partition '{partitionKey}' of '{container}' has changed (ETag mismatch).");
