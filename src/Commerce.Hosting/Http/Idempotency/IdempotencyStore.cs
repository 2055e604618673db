using System.Security.Cryptography;
using System.Text;
using Commerce.Storage.Documents;

namespace Commerce.Hosting.Http.Idempotency;

/// <summary>
/// Idempotency records in the document store, spread over 16 partitions by a hash of owner and key, so
/// that one lookup is a point read and the clean-up timer can walk every record without a
/// cross-partition query.
/// </summary>
public sealed class IdempotencyStore(IDocumentStore documents, TimeProvider time)
{
    public const string Container = "idempotency";
    public const int Partitions = 16;

    /// <summary>How long a finished response is kept and replayed.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(25);

    private IDocumentContainer? _container;

    private async Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) =>
        _container ??= await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);

    public static (string Partition, string Id) Address(string owner, string key)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{owner}\n{key}")));
        return ($"p{hash[0]}", hash);
    }

    public async Task<(IdempotencyRecord Record, string ETag)?> ReadAsync(string owner, string key, CancellationToken cancellationToken)
    {
        var (partition, id) = Address(owner, key);
        return await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<IdempotencyRecord>(partition, id, cancellationToken).ConfigureAwait(false);
    }

    /// <returns>the new record's ETag, or null when the key is already taken.</returns>
    public async Task<string?> TryClaimAsync(IdempotencyRecord record, CancellationToken cancellationToken)
    {
        var (partition, id) = Address(record.Owner, record.Key);
        try
        {
            return (await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).CreateAsync(partition, id, record, cancellationToken).ConfigureAwait(false)).ETag;
        }
        catch (DocumentConflictException)
        {
            return null;
        }
    }

    /// <returns>the new ETag, or null when someone else changed the record first.</returns>
    public async Task<string?> TryReplaceAsync(IdempotencyRecord record, string etag, CancellationToken cancellationToken)
    {
        var (partition, id) = Address(record.Owner, record.Key);
        try
        {
            return (await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ReplaceAsync(partition, id, record, etag, cancellationToken).ConfigureAwait(false)).ETag;
        }
        catch (Exception e) when (e is DocumentPreconditionFailedException or DocumentNotFoundException)
        {
            return null;
        }
    }

    public async Task ReleaseAsync(IdempotencyRecord record, string etag, CancellationToken cancellationToken)
    {
        var (partition, id) = Address(record.Owner, record.Key);
        try
        {
            await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).DeleteAsync(partition, id, etag, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentPreconditionFailedException)
        {
            // Taken over already; the new holder decides.
        }
    }

    /// <summary>Deletes records older than <see cref="Retention"/>; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var cutoff = time.GetUtcNow() - Retention;
        var deleted = 0;
        for (var p = 0; p < Partitions; p++)
        {
            var partition = $"p{p:x}";
            var expired = await container.QueryAllAsync(partition, DocumentQuery.All.Where("createdAt", FilterOperator.LessThan, cutoff) with { PageSize = 500 }, cancellationToken).ConfigureAwait(false);
            foreach (var document in expired)
            {
                try
                {
                    if (await container.DeleteAsync(partition, document.Id, document.ETag, cancellationToken).ConfigureAwait(false))
                        deleted++;
                }
                catch (DocumentPreconditionFailedException)
                {
                    // Reused a moment ago; the next run looks again.
                }
            }
        }
        return deleted;
    }
}
