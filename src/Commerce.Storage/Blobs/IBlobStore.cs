namespace Commerce.Storage.Blobs;

/// <summary>Named binary objects in containers (models, exports, large queue payloads).</summary>
public interface IBlobStore : IStoreHealthCheck
{
    string Adapter { get; }

    /// <summary>Opens a container, creating it on first use. Names follow Azure's rules: 3-63 lowercase letters, digits and single hyphens.</summary>
    Task<IBlobContainer> GetContainerAsync(string name, CancellationToken cancellationToken = default);
}

public interface IBlobContainer
{
    string Name { get; }

    Task<BlobContent?> GetAsync(string blobName, CancellationToken cancellationToken = default);

    /// <exception cref="BlobPreconditionFailedException">the condition in <paramref name="options"/> does not hold.</exception>
    Task<BlobProperties> PutAsync(string blobName, ReadOnlyMemory<byte> content, BlobPutOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Blobs whose names start with <paramref name="prefix"/>, in ordinal name order.</summary>
    IAsyncEnumerable<BlobProperties> ListAsync(string? prefix = null, CancellationToken cancellationToken = default);

    /// <returns>false when there was no such blob.</returns>
    /// <exception cref="BlobPreconditionFailedException">an <paramref name="ifMatch"/> was given and does not match.</exception>
    Task<bool> DeleteAsync(string blobName, string? ifMatch = null, CancellationToken cancellationToken = default);
}

/// <param name="IfMatch">write only if the blob's current ETag is this one.</param>
/// <param name="IfNoneMatch">"*": write only if the blob does not exist yet.</param>
public sealed record BlobPutOptions(string? ContentType = null, string? IfMatch = null, string? IfNoneMatch = null)
{
    public static BlobPutOptions CreateOnly(string? contentType = null) => new(contentType, IfNoneMatch: "*");
}

public sealed record BlobProperties(string Name, string ETag, long Length, string ContentType, DateTimeOffset LastModified);

public sealed record BlobContent(BlobProperties Properties, ReadOnlyMemory<byte> Content);

public sealed class BlobPreconditionFailedException(string container, string blobName)
    : Exception($"Blob '{blobName}' in '{container}' does not meet the write condition (ETag mismatch or it already exists).");

internal static class BlobNames
{
    public static void ValidateBlob(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 1024)
            throw new ArgumentException("A blob name must have 1 to 1024 characters.", nameof(name));
        if (name.Contains('\\') || name.StartsWith('/') || name.EndsWith('/') || name.Split('/').Any(s => s is "" or "." or ".."))
            throw new ArgumentException($"'{name}' is not a valid blob name: use '/'-separated segments without empty, '.' or '..' parts.", nameof(name));
    }
}
