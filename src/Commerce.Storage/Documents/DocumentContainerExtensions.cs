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

    /// <summary>
    /// Optimistic read-modify-write: <paramref name="change"/> gets the current value (default when there is
    /// none) and returns the new one; it is written with If-Match (or created), and on a conflict read and
    /// decided again, as <see cref="DocumentConflicts"/> allows. Returning the same instance, or default, writes nothing.
    /// </summary>
    /// <returns>the value stored at the end.</returns>
    /// <exception cref="DocumentContentionException">other writers won every attempt; nothing was written.</exception>
    public static Task<T?> ChangeAsync<T>(this IDocumentContainer container, string partitionKey, string id, Func<T?, T?> change, CancellationToken cancellationToken = default)
        where T : class =>
        DocumentConflicts.RetryAsync(container.Name, partitionKey, id, async () =>
        {
            var current = await container.ReadAsync<T>(partitionKey, id, cancellationToken).ConfigureAwait(false);
            var before = current?.Value;
            var after = change(before);
            if (after is null || ReferenceEquals(after, before))
                return before;
            if (current is { ETag: var etag })
                await container.ReplaceAsync(partitionKey, id, after, etag, cancellationToken).ConfigureAwait(false);
            else
                await container.CreateAsync(partitionKey, id, after, cancellationToken).ConfigureAwait(false);
            return after;
        }, cancellationToken);

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
