using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Commerce.Storage.AzureStorage;

namespace Commerce.Storage.Blobs.Azure;

internal sealed class AzureBlobContainer(StorageServiceClient client, string name) : IBlobContainer
{
    private const string DefaultContentType = "application/octet-stream";

    public string Name => name;

    public async Task<BlobContent?> GetAsync(string blobName, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateBlob(blobName);
        using var message = client.CreateMessage(RequestMethod.Get, BlobPath(blobName));
        var response = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status == 404)
            return null;
        if (response.Status != 200)
            throw client.Failure(response, $"reading blob '{blobName}' in '{name}'");

        var content = response.Content.ToMemory();
        var contentType = response.Headers.ContentType is { Length: > 0 } type ? type : DefaultContentType;
        return new BlobContent(Written(blobName, response, content.Length, contentType), content);
    }

    public async Task<BlobProperties> PutAsync(string blobName, ReadOnlyMemory<byte> content, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateBlob(blobName);
        options ??= new BlobPutOptions();
        var contentType = options.ContentType ?? DefaultContentType;
        var path = BlobPath(blobName);

        // Large blobs go up as blocks first; the conditions then apply to the commit of the block list.
        var blockIds = content.Length > client.Options.BlobSingleUploadLimit
            ? await PutBlocksAsync(path, content, cancellationToken).ConfigureAwait(false)
            : null;

        using var message = client.CreateMessage(RequestMethod.Put, path);
        if (blockIds is null)
        {
            message.Request.Headers.SetValue("x-ms-blob-type", "BlockBlob");
            message.Request.Content = RequestContent.Create(content);
        }
        else
        {
            message.Request.Uri.AppendQuery("comp", "blocklist");
            var list = new XElement("BlockList", blockIds.Select(id => new XElement("Latest", id)));
            message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(list.ToString(SaveOptions.DisableFormatting)));
        }
        message.Request.Headers.SetValue("x-ms-blob-content-type", contentType);
        if (options.IfMatch is { } ifMatch)
            message.Request.Headers.SetValue("If-Match", ifMatch);
        if (options.IfNoneMatch is { } ifNoneMatch)
            message.Request.Headers.SetValue("If-None-Match", ifNoneMatch);

        var response = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.Status == 201)
            return Written(blobName, response, content.Length, contentType);
        // Azure answers a create-only write over an existing blob with 409 BlobAlreadyExists, not 412.
        if (response.Status == 412 || (response.Status == 409 && StorageServiceClient.ErrorCode(response) == "BlobAlreadyExists"))
            throw new BlobPreconditionFailedException(name, blobName);
        throw client.Failure(response, $"writing blob '{blobName}' in '{name}'");
    }

    public async IAsyncEnumerable<BlobProperties> ListAsync(string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? marker = null;
        do
        {
            XElement page;
            using (var message = client.CreateMessage(RequestMethod.Get, name))
            {
                message.Request.Uri.AppendQuery("restype", "container");
                message.Request.Uri.AppendQuery("comp", "list");
                message.Request.Uri.AppendQuery("maxresults", client.Options.ListPageSize.ToString(CultureInfo.InvariantCulture));
                if (!string.IsNullOrEmpty(prefix))
                    message.Request.Uri.AppendQuery("prefix", prefix);
                if (marker is not null)
                    message.Request.Uri.AppendQuery("marker", marker);
                var response = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
                if (response.Status != 200)
                    throw client.Failure(response, $"listing blobs in '{name}'");
                page = StorageServiceClient.ReadXml(response).Root ?? throw new InvalidDataException("The List Blobs answer is empty.");
            }

            foreach (var blob in page.Element("Blobs")?.Elements("Blob") ?? [])
                yield return Listed(blob);
            marker = page.Element("NextMarker")?.Value is { Length: > 0 } next ? next : null;
        }
        while (marker is not null);
    }

    public async Task<bool> DeleteAsync(string blobName, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateBlob(blobName);
        using var message = client.CreateMessage(RequestMethod.Delete, BlobPath(blobName));
        if (ifMatch is not null)
            message.Request.Headers.SetValue("If-Match", ifMatch);
        var response = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        return response.Status switch
        {
            202 => true,
            404 => false,
            412 => throw new BlobPreconditionFailedException(name, blobName),
            _ => throw client.Failure(response, $"deleting blob '{blobName}' in '{name}'"),
        };
    }

    /// <summary>Uploads the content as uncommitted blocks, several at a time, and returns their ids in order.</summary>
    private async Task<string[]> PutBlocksAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var blockSize = client.Options.BlobBlockSize;
        var ids = new string[(content.Length + blockSize - 1) / blockSize];
        // A fresh prefix per upload keeps concurrent uploads of the same blob from overwriting each other's blocks.
        var upload = Guid.NewGuid();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = client.Options.BlobUploadConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Length), parallel, async (index, token) =>
        {
            ids[index] = BlockId(upload, index);
            var offset = index * blockSize;
            using var message = client.CreateMessage(RequestMethod.Put, path);
            message.Request.Uri.AppendQuery("comp", "block");
            message.Request.Uri.AppendQuery("blockid", ids[index]);
            message.Request.Content = RequestContent.Create(content.Slice(offset, Math.Min(blockSize, content.Length - offset)));
            var response = await client.SendAsync(message, token).ConfigureAwait(false);
            if (response.Status != 201)
                throw client.Failure(response, $"uploading block {index + 1} of {ids.Length} of '{path}'");
        }).ConfigureAwait(false);
        return ids;
    }

    /// <summary>Block ids must all have the same length within a blob: 16 bytes of upload id and 4 of index.</summary>
    private static string BlockId(Guid upload, int index)
    {
        Span<byte> bytes = stackalloc byte[20];
        upload.TryWriteBytes(bytes);
        BinaryPrimitives.WriteInt32BigEndian(bytes[16..], index);
        return Convert.ToBase64String(bytes);
    }

    private string BlobPath(string blobName) => name + "/" + string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString));

    private static BlobProperties Written(string blobName, Response response, long length, string contentType) => new(
        blobName,
        StorageServiceClient.Header(response, "ETag"),
        length,
        contentType,
        StorageServiceClient.ParseDate(StorageServiceClient.Header(response, "Last-Modified")));

    private static BlobProperties Listed(XElement blob)
    {
        var nameElement = blob.Element("Name") ?? throw new InvalidDataException("A listed blob has no Name.");
        // Names with characters XML cannot carry come percent-encoded.
        var blobName = (string?)nameElement.Attribute("Encoded") == "true" ? Uri.UnescapeDataString(nameElement.Value) : nameElement.Value;
        var properties = blob.Element("Properties") ?? throw new InvalidDataException($"Listed blob '{blobName}' has no Properties.");
        string Property(string key) => properties.Element(key)?.Value ?? throw new InvalidDataException($"Listed blob '{blobName}' has no {key}.");
        var etag = Property("Etag");
        return new BlobProperties(
            blobName,
            // Listings give the ETag bare; headers, and so Put and Get, give it quoted.
            etag.StartsWith('"') ? etag : $"\"{etag}\"",
            long.Parse(Property("Content-Length"), CultureInfo.InvariantCulture),
            properties.Element("Content-Type")?.Value is { Length: > 0 } type ? type : DefaultContentType,
            StorageServiceClient.ParseDate(Property("Last-Modified")));
    }
}
