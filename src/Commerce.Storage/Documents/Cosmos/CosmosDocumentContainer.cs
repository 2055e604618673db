using System.Net;
using Microsoft.Azure.Cosmos;

namespace Commerce.Storage.Documents.Cosmos;

internal sealed class CosmosDocumentContainer(Container container) : IDocumentContainer
{
    public string Name => container.Id;

    public async Task<StoredDocument?> ReadAsync(string partitionKey, string id, CancellationToken cancellationToken = default)
    {
        DocumentRules.ValidateKey(partitionKey, id);
        using var response = await SendAsync(
            "read", partitionKey, id,
            () => container.ReadItemStreamAsync(id, new PartitionKey(partitionKey), cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return null;
        EnsureSuccess(response, "read", partitionKey, id);
        return CosmosItems.ReadItem(await ReadContentAsync(response, cancellationToken).ConfigureAwait(false), Name);
    }

    public async Task<StoredDocument> CreateAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default)
    {
        DocumentRules.ValidateKey(partitionKey, id);
        DocumentRules.ValidateBody(json);
        using var item = CosmosItems.Wrap(partitionKey, id, json);
        using var response = await SendAsync(
            "create", partitionKey, id,
            () => container.CreateItemStreamAsync(item, new PartitionKey(partitionKey), NoContent(), cancellationToken)).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Conflict)
            throw new DocumentConflictException(Name, partitionKey, id);
        return Written(response, "create", partitionKey, id, json);
    }

    public async Task<StoredDocument> UpsertAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default)
    {
        DocumentRules.ValidateKey(partitionKey, id);
        DocumentRules.ValidateBody(json);
        using var item = CosmosItems.Wrap(partitionKey, id, json);
        using var response = await SendAsync(
            "upsert", partitionKey, id,
            () => container.UpsertItemStreamAsync(item, new PartitionKey(partitionKey), NoContent(), cancellationToken)).ConfigureAwait(false);
        return Written(response, "upsert", partitionKey, id, json);
    }

    public async Task<StoredDocument> ReplaceAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, string ifMatch, CancellationToken cancellationToken = default)
    {
        DocumentRules.ValidateKey(partitionKey, id);
        DocumentRules.ValidateBody(json);
        ArgumentException.ThrowIfNullOrEmpty(ifMatch);
        using var item = CosmosItems.Wrap(partitionKey, id, json);
        var options = NoContent();
        options.IfMatchEtag = ifMatch;
        using var response = await SendAsync(
            "replace", partitionKey, id,
            () => container.ReplaceItemStreamAsync(item, id, new PartitionKey(partitionKey), options, cancellationToken)).ConfigureAwait(false);
        return response.StatusCode switch
        {
            HttpStatusCode.NotFound => throw new DocumentNotFoundException(Name, partitionKey, id),
            HttpStatusCode.PreconditionFailed => throw new DocumentPreconditionFailedException(Name, partitionKey, id),
            _ => Written(response, "replace", partitionKey, id, json),
        };
    }

    public async Task<bool> DeleteAsync(string partitionKey, string id, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        DocumentRules.ValidateKey(partitionKey, id);
        var options = ifMatch is null ? null : new ItemRequestOptions { IfMatchEtag = ifMatch };
        using var response = await SendAsync(
            "delete", partitionKey, id,
            () => container.DeleteItemStreamAsync(id, new PartitionKey(partitionKey), options, cancellationToken)).ConfigureAwait(false);
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                return false;
            case HttpStatusCode.PreconditionFailed:
                throw new DocumentPreconditionFailedException(Name, partitionKey, id);
            default:
                EnsureSuccess(response, "delete", partitionKey, id);
                return true;
        }
    }

    public async Task<DocumentPage> QueryAsync(string partitionKey, DocumentQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(partitionKey);
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        var definition = CosmosSql.Translate(partitionKey, query);
        var options = new QueryRequestOptions
        {
            PartitionKey = new PartitionKey(partitionKey),
            MaxItemCount = query.PageSize,
            // Sends the query straight to the partition. Otherwise the SDK, off Windows, first asks the gateway
            // for a query plan on every ORDER BY query: one more round trip per page for a single-partition query.
            EnableOptimisticDirectExecution = true,
        };

        using var iterator = container.GetItemQueryStreamIterator(definition, query.ContinuationToken, options);
        var items = new List<StoredDocument>();
        string? continuation = null;
        // Cosmos DB may answer a page with no items but a continuation; read on until there are items or no more.
        while (iterator.HasMoreResults && items.Count == 0)
        {
            using var response = await SendAsync("query", partitionKey, null, () => iterator.ReadNextAsync(cancellationToken)).ConfigureAwait(false);
            EnsureSuccess(response, "query", partitionKey, null);
            CosmosItems.ReadPage(await ReadContentAsync(response, cancellationToken).ConfigureAwait(false), items, Name);
            continuation = response.ContinuationToken;
        }
        return new DocumentPage(items, continuation);
    }

    /// <summary>Writes answer with headers only: the body the caller sent is what it gets back.</summary>
    private static ItemRequestOptions NoContent() => new() { EnableContentResponseOnWrite = false };

    private StoredDocument Written(ResponseMessage response, string operation, string partitionKey, string id, ReadOnlyMemory<byte> json)
    {
        EnsureSuccess(response, operation, partitionKey, id);
        var etag = response.Headers.ETag;
        if (string.IsNullOrEmpty(etag))
            throw new DocumentStoreException($"Cosmos DB {operation} of '{id}' in partition '{partitionKey}' of '{Name}' returned no ETag (activity {response.Headers.ActivityId}).");
        return new StoredDocument(partitionKey, id, etag, json.ToArray());
    }

    private async Task<ResponseMessage> SendAsync(string operation, string partitionKey, string? id, Func<Task<ResponseMessage>> send)
    {
        try
        {
            return await send().ConfigureAwait(false);
        }
        catch (CosmosException e)
        {
            throw Failure(operation, partitionKey, id, e.StatusCode, e.SubStatusCode, e.ActivityId, e);
        }
        catch (HttpRequestException e)
        {
            throw new DocumentStoreException($"Cosmos DB {operation} in partition '{partitionKey}' of '{Name}' could not reach the account ({e.HttpRequestError}).", e);
        }
    }

    private void EnsureSuccess(ResponseMessage response, string operation, string partitionKey, string? id)
    {
        if (!response.IsSuccessStatusCode)
        {
            int.TryParse(response.Headers["x-ms-substatus"], out var subStatus);
            throw Failure(operation, partitionKey, id, response.StatusCode, subStatus, response.Headers.ActivityId, null);
        }
    }

    private DocumentStoreException Failure(string operation, string partitionKey, string? id, HttpStatusCode status, int subStatus, string? activityId, Exception? inner)
    {
        var target = id is null ? $"partition '{partitionKey}'" : $"'{id}' in partition '{partitionKey}'";
        return new DocumentStoreException(
            $"Cosmos DB {operation} of {target} of '{Name}' failed with status {(int)status} {status} (substatus {subStatus}, activity {activityId ?? "none"}).",
            inner);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadContentAsync(ResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content is null)
            return ReadOnlyMemory<byte>.Empty;
        // Always a copy: the documents returned outlive the response and whatever buffers the SDK gave it.
        using var buffer = new MemoryStream();
        await response.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
