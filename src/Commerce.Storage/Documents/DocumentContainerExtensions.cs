namespace Commerce.Storage.Documents;

/// <summary>Typed convenience over the byte-level port; all of it goes through <see cref="DocumentJson"/>.</summary>
public static class DocumentContainerExtensions
{
    public static async Task<(T Value, string ETag)?> ReadAsync<T>(this IDocumentContainer container, string partitionKey, string id, CancellationToken cancellationToken = default)
    {
        var document = await container.ReadAsync(partitionKey, id, cancellationToken).ConfigureAwait(false);
        return document is null ? null : (document.Deserialize<T>(), document.ETag);
    }

    public static Task<StoredDocument> CreateAsync<T>(this IDocumentContainer container, string partitionKey, string id, T value, CancellationToken cancellationToken = default) =>
        container.CreateAsync(partitionKey, id, DocumentJson.Serialize(value), cancellationToken);

    public static Task<StoredDocument> UpsertAsync<T>(this IDocumentContainer container, string partitionKey, string id, T value, CancellationToken cancellationToken = default) =>
        container.UpsertAsync(partitionKey, id, DocumentJson.Serialize(value), cancellationToken);

    public static Task<StoredDocument> ReplaceAsync<T>(this IDocumentContainer container, string partitionKey, string id, T value, string ifMatch, CancellationToken cancellationToken = default) =>
        container.ReplaceAsync(partitionKey, id, DocumentJson.Serialize(value), ifMatch, cancellationToken);

    /// <summary>Reads every page of a query; for small partitions only.</summary>
    public static async Task<List<StoredDocument>> QueryAllAsync(this IDocumentContainer container, string partitionKey, DocumentQuery query, CancellationToken cancellationToken = default)
    {
        var all = new List<StoredDocument>();
        var page = query;
        while (true)
        {
            var result = await container.QueryAsync(partitionKey, page, cancellationToken).ConfigureAwait(false);
            all.AddRange(result.Items);
            if (result.ContinuationToken is null)
                return all;
            page = page with { ContinuationToken = result.ContinuationToken };
        }
    }
}
