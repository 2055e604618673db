using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Commerce.Storage.AzureStorage;

namespace Commerce.Storage.Blobs.Azure;

internal sealed class AzureBlobContainer(BlobContainerClient client, AzureStorageClientOptions storage) : IBlobContainer
{
    private const string DefaultContentType = "application/octet-stream";

    public string Name => client.Name;

    public async Task<BlobContent?> GetAsync(string blobName, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateBlob(blobName);
        try
        {
            // Read straight into an array of the announced length: DownloadContent grows a buffer and copies it.
            using var result = (await client.GetBlobClient(blobName).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            var details = result.Details;
            var content = new byte[details.ContentLength];
            await result.Content.ReadExactlyAsync(content, cancellationToken).ConfigureAwait(false);
            return new BlobContent(
                new BlobProperties(blobName, Quoted(details.ETag), content.Length, ContentType(details.ContentType), details.LastModified),
                content);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<BlobProperties> PutAsync(string blobName, ReadOnlyMemory<byte> content, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateBlob(blobName);
        options ??= new BlobPutOptions();
        var contentType = options.ContentType ?? DefaultContentType;
        var upload = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            Conditions = new BlobRequestConditions
            {
                IfMatch = options.IfMatch is { } ifMatch ? new ETag(ifMatch) : null,
                IfNoneMatch = options.IfNoneMatch is { } ifNoneMatch ? new ETag(ifNoneMatch) : null,
            },
            // Large blobs go up as blocks, several at a time; the conditions then apply to the commit of the block list.
            TransferOptions = storage.TransferOptions,
        };
        try
        {
            var written = (await client.GetBlobClient(blobName).UploadAsync(BinaryData.FromBytes(content), upload, cancellationToken).ConfigureAwait(false)).Value;
            return new BlobProperties(blobName, Quoted(written.ETag), content.Length, contentType, written.LastModified);
        }
        // Azure answers a create-only write over an existing blob with 409 BlobAlreadyExists, not 412.
        catch (RequestFailedException e) when (e.Status == 412 || (e.Status == 409 && e.ErrorCode == BlobErrorCode.BlobAlreadyExists))
        {
            throw new BlobPreconditionFailedException(Name, blobName);
        }
    }

    public async IAsyncEnumerable<BlobProperties> ListAsync(string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var listing = client.GetBlobsAsync(new GetBlobsOptions { Prefix = string.IsNullOrEmpty(prefix) ? null : prefix }, cancellationToken);
        await foreach (var page in listing.AsPages(pageSizeHint: storage.ListPageSize).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            foreach (var blob in page.Values)
            {
                var properties = blob.Properties;
                yield return new BlobProperties(
                    blob.Name,
                    Quoted(properties.ETag ?? throw new InvalidDataException($"Listed blob '{blob.Name}' has no ETag.")),
                    properties.ContentLength ?? 0,
                    ContentType(properties.ContentType),
                    properties.LastModified ?? throw new InvalidDataException($"Listed blob '{blob.Name}' has no Last-Modified."));
            }
        }
    }

    public async Task<bool> DeleteAsync(string blobName, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateBlob(blobName);
        var conditions = ifMatch is null ? null : new BlobRequestConditions { IfMatch = new ETag(ifMatch) };
        try
        {
            return (await client.GetBlobClient(blobName).DeleteIfExistsAsync(DeleteSnapshotsOption.None, conditions, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            throw new BlobPreconditionFailedException(Name, blobName);
        }
    }

    /// <summary>Listings give the ETag bare; headers, and so Put and Get, give it quoted. The port speaks the header form.</summary>
    private static string Quoted(ETag etag) => etag.ToString("H");

    private static string ContentType(string? contentType) => string.IsNullOrEmpty(contentType) ? DefaultContentType : contentType;
}
