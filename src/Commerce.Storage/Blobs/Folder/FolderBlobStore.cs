using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace Commerce.Storage.Blobs.Folder;

/// <summary>
/// Blobs as plain files under a root folder (`root/container/name`), so a developer can open a model or
/// an export directly. ETags are content hashes; the content type and the cached hash live in a sidecar
/// tree (`root/.meta/...`). Writes go to a temporary file and are renamed into place under a lock file,
/// which makes conditional writes safe across processes sharing the folder.
/// </summary>
public sealed class FolderBlobStore(string root) : IBlobStore
{
    private readonly string _root = Path.GetFullPath(root);
    private readonly ConcurrentDictionary<string, FolderBlobContainer> _containers = new(StringComparer.Ordinal);

    public string Adapter => "folder";

    public string Root => _root;

    public Task<IBlobContainer> GetContainerAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!_containers.TryGetValue(name, out var container))
        {
            StorageNames.Validate("container", name);
            container = _containers.GetOrAdd(name, n => new FolderBlobContainer(_root, n));
        }
        return Task.FromResult<IBlobContainer>(container);
    }

    public Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            Directory.CreateDirectory(_root);
            var probe = Path.Combine(_root, $".probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return Task.FromResult(new StoreHealth("blobs", Adapter, true, _root));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(new StoreHealth("blobs", Adapter, false, $"{_root}: {e.Message}"));
        }
    }
}

internal sealed class FolderBlobContainer : IBlobContainer
{
    private const string DefaultContentType = "application/octet-stream";

    private readonly string _data;
    private readonly string _meta;
    private readonly string _lockFile;
    private readonly SemaphoreSlim _inProcess = new(1, 1);

    public FolderBlobContainer(string root, string name)
    {
        Name = name;
        _data = Path.Combine(root, name);
        _meta = Path.Combine(root, ".meta", name);
        _lockFile = Path.Combine(root, ".meta", name + ".lock");
        Directory.CreateDirectory(_data);
        Directory.CreateDirectory(_meta);
    }

    public string Name { get; }

    public async Task<BlobContent?> GetAsync(string blobName, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateBlob(blobName);
        var path = DataPath(blobName);
        byte[] content;
        FileInfo info;
        while (true)
        {
            // A blob replaced while it is read would pair the old content with the new file's time and ETag,
            // and a conditional write based on that ETag would then succeed against content never seen.
            var before = File.GetLastWriteTimeUtc(path);
            try
            {
                content = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
            info = new FileInfo(path);
            if (info.Exists && info.LastWriteTimeUtc == before)
                break;
        }
        var meta = ReadMeta(blobName);
        var etag = meta is not null && meta.Length == content.Length && meta.WrittenTicks == info.LastWriteTimeUtc.Ticks ? meta.ETag : ETagOf(content);
        return new BlobContent(new BlobProperties(blobName, etag, content.Length, meta?.ContentType ?? DefaultContentType, info.LastWriteTimeUtc), content);
    }

    public async Task<BlobProperties> PutAsync(string blobName, ReadOnlyMemory<byte> content, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateBlob(blobName);
        options ??= new BlobPutOptions();
        var path = DataPath(blobName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + $".{Guid.NewGuid():N}.tmp";
        await File.WriteAllBytesAsync(temporary, content, cancellationToken).ConfigureAwait(false);
        try
        {
            using var _ = await LockAsync(cancellationToken).ConfigureAwait(false);
            var current = CurrentETag(blobName);
            if ((options.IfNoneMatch == "*" && current is not null) || (options.IfMatch is not null && current != options.IfMatch))
                throw new BlobPreconditionFailedException(Name, blobName);
            var etag = ETagOf(content.Span);
            File.Move(temporary, path, overwrite: true);
            var written = File.GetLastWriteTimeUtc(path);
            WriteMeta(blobName, new BlobMeta(options.ContentType ?? DefaultContentType, etag, content.Length, written.Ticks));
            return new BlobProperties(blobName, etag, content.Length, options.ContentType ?? DefaultContentType, written);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public async IAsyncEnumerable<BlobProperties> ListAsync(string? prefix = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var names = Directory.EnumerateFiles(_data, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(_data, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(n => prefix is null || n.StartsWith(prefix, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var blob = await GetAsync(name, cancellationToken).ConfigureAwait(false);
            if (blob is not null)
                yield return blob.Properties;
        }
    }

    public async Task<bool> DeleteAsync(string blobName, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidateBlob(blobName);
        using var _ = await LockAsync(cancellationToken).ConfigureAwait(false);
        var current = CurrentETag(blobName);
        if (current is null)
            return false;
        if (ifMatch is not null && ifMatch != current)
            throw new BlobPreconditionFailedException(Name, blobName);
        File.Delete(DataPath(blobName));
        File.Delete(MetaPath(blobName));
        return true;
    }

    private string? CurrentETag(string blobName)
    {
        var path = DataPath(blobName);
        var info = new FileInfo(path);
        if (!info.Exists)
            return null;
        var meta = ReadMeta(blobName);
        return meta is not null && meta.Length == info.Length && meta.WrittenTicks == info.LastWriteTimeUtc.Ticks
            ? meta.ETag
            : ETagOf(File.ReadAllBytes(path));
    }

    private string DataPath(string blobName) => Path.Combine(_data, blobName.Replace('/', Path.DirectorySeparatorChar));

    private string MetaPath(string blobName) => Path.Combine(_meta, blobName.Replace('/', Path.DirectorySeparatorChar) + ".json");

    private BlobMeta? ReadMeta(string blobName)
    {
        try
        {
            return JsonSerializer.Deserialize<BlobMeta>(File.ReadAllBytes(MetaPath(blobName)));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    private void WriteMeta(string blobName, BlobMeta meta)
    {
        var path = MetaPath(blobName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(meta));
        File.Move(temporary, path, overwrite: true);
    }

    private static string ETagOf(ReadOnlySpan<byte> content) => "\"" + Convert.ToHexStringLower(SHA256.HashData(content)[..16]) + "\"";

    private async Task<IDisposable> LockAsync(CancellationToken cancellationToken)
    {
        await _inProcess.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                try
                {
                    return new Lock(_inProcess, new FileStream(_lockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException)
                {
                    await Task.Delay(5, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            _inProcess.Release();
            throw;
        }
    }

    private sealed class Lock(SemaphoreSlim inProcess, FileStream file) : IDisposable
    {
        public void Dispose()
        {
            file.Dispose();
            inProcess.Release();
        }
    }

    private sealed record BlobMeta(string ContentType, string ETag, long Length, long WrittenTicks);
}
