using System.Globalization;
using System.Text.Json;
using Commerce.Storage.Blobs;
using Commerce.Storage.Blobs.Folder;
using DuckDB.NET.Data;

namespace Commerce.Analytics.Lake;

/// <param name="CacheDirectory">where the lake's files are mirrored for DuckDB when blob storage is not a local folder.</param>
/// <param name="Container">the blob container that holds the lake.</param>
public sealed record LakeOptions(string CacheDirectory, string Container = Lake.DefaultContainer);

/// <summary>
/// The lake: Parquet files in a blob container (`lake`), laid out `{table}/date=YYYY-MM-DD/{file}.parquet`,
/// written through the blob port so it works on every adapter. DuckDB reads local files only here (its
/// azure and httpfs extensions cannot be downloaded), so on a blob store that is not a local folder the
/// lake is mirrored to a local cache first, file by file, fetching only what changed (by ETag). This is
/// the one place that gives DuckDB its views of the lake.
/// </summary>
public sealed class Lake(IBlobStore blobs, LakeOptions options)
{
    public const string DefaultContainer = "lake";
    private const string IndexFile = ".etags.json";

    private readonly SemaphoreSlim _mirror = new(1, 1);
    private Dictionary<string, string>? _cached;

    public string Container => options.Container;

    /// <summary>True when the files are read where they are stored, without a cache.</summary>
    public bool IsLocal => blobs is FolderBlobStore;

    private string Root => blobs is FolderBlobStore folder ? Path.Combine(folder.Root, options.Container) : options.CacheDirectory;

    public static string BlobName(LakeTable table, DateOnly date, string file) =>
        $"{table.Name}/date={date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}/{file}";

    public async Task PutAsync(string blobName, byte[] content, CancellationToken cancellationToken = default)
    {
        var container = await blobs.GetContainerAsync(options.Container, cancellationToken).ConfigureAwait(false);
        var written = await container.PutAsync(blobName, content, new BlobPutOptions("application/vnd.apache.parquet"), cancellationToken).ConfigureAwait(false);
        if (IsLocal)
            return;
        // The writer's own files go straight into the cache, so the next read need not fetch them back.
        await _mirror.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var index = await IndexAsync(cancellationToken).ConfigureAwait(false);
            await WriteLocalAsync(blobName, content, cancellationToken).ConfigureAwait(false);
            index[blobName] = written.ETag;
            await SaveIndexAsync(index, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _mirror.Release();
        }
    }

    /// <summary>The local paths of a table's files (of the given days only, when given), mirrored first if need be.</summary>
    public async Task<IReadOnlyList<string>> FilesAsync(LakeTable table, IReadOnlyCollection<DateOnly>? days = null, CancellationToken cancellationToken = default)
    {
        var prefixes = days is null
            ? [table.Name + "/"]
            : days.Select(d => $"{table.Name}/date={d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}/").ToList();
        if (!IsLocal)
            await MirrorAsync(prefixes, cancellationToken).ConfigureAwait(false);
        var files = new List<string>();
        foreach (var prefix in prefixes)
        {
            var folder = Path.Combine(Root, prefix.TrimEnd('/'));
            if (Directory.Exists(folder))
                files.AddRange(Directory.EnumerateFiles(folder, "*.parquet", SearchOption.AllDirectories));
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    /// <summary>A DuckDB connection with a view per table (the `date` partition column included), over the lake as it is now.</summary>
    public async Task<LakeSession> OpenAsync(CancellationToken cancellationToken = default)
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        try
        {
            connection.Open();
            foreach (var table in LakeTables.All)
            {
                var files = await FilesAsync(table, null, cancellationToken).ConfigureAwait(false);
                var source = files.Count == 0
                    ? $"SELECT *, CAST(NULL AS DATE) AS date FROM (SELECT {string.Join(", ", table.Columns.Select(c => $"CAST(NULL AS {c.Type}) AS {c.Name}"))}) WHERE false"
                    : $"SELECT {table.ColumnList}, date FROM read_parquet({LakeSession.FileList(files)}, hive_partitioning = true, union_by_name = true)";
                LakeSession.Execute(connection, $"CREATE VIEW {table.Name} AS {source}");
            }
            return new LakeSession(connection);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task MirrorAsync(IReadOnlyList<string> prefixes, CancellationToken cancellationToken)
    {
        var container = await blobs.GetContainerAsync(options.Container, cancellationToken).ConfigureAwait(false);
        await _mirror.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var index = await IndexAsync(cancellationToken).ConfigureAwait(false);
            var changed = false;
            foreach (var prefix in prefixes)
            {
                var listed = new HashSet<string>(StringComparer.Ordinal);
                await foreach (var blob in container.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
                {
                    listed.Add(blob.Name);
                    if (index.TryGetValue(blob.Name, out var etag) && etag == blob.ETag && File.Exists(LocalPath(blob.Name)))
                        continue;
                    var content = await container.GetAsync(blob.Name, cancellationToken).ConfigureAwait(false);
                    if (content is null)
                        continue;
                    await WriteLocalAsync(blob.Name, content.Content.ToArray(), cancellationToken).ConfigureAwait(false);
                    index[blob.Name] = content.Properties.ETag;
                    changed = true;
                }
                foreach (var gone in index.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !listed.Contains(k)).ToList())
                {
                    File.Delete(LocalPath(gone));
                    index.Remove(gone);
                    changed = true;
                }
            }
            if (changed)
                await SaveIndexAsync(index, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _mirror.Release();
        }
    }

    private string LocalPath(string blobName) => Path.Combine(Root, blobName.Replace('/', Path.DirectorySeparatorChar));

    private async Task WriteLocalAsync(string blobName, byte[] content, CancellationToken cancellationToken)
    {
        var path = LocalPath(blobName);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written aside and renamed, so a reader never sees half a file under a .parquet name.
        var temporary = path + ".partial";
        await File.WriteAllBytesAsync(temporary, content, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    private async Task<Dictionary<string, string>> IndexAsync(CancellationToken cancellationToken)
    {
        if (_cached is not null)
            return _cached;
        var path = Path.Combine(Root, IndexFile);
        _cached = File.Exists(path)
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)) ?? []
            : new Dictionary<string, string>(StringComparer.Ordinal);
        return _cached;
    }

    private async Task SaveIndexAsync(Dictionary<string, string> index, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Root);
        var path = Path.Combine(Root, IndexFile);
        await File.WriteAllBytesAsync(path + ".partial", JsonSerializer.SerializeToUtf8Bytes(index), cancellationToken).ConfigureAwait(false);
        File.Move(path + ".partial", path, overwrite: true);
    }
}

/// <summary>A DuckDB connection over the lake's views; dispose it when done.</summary>
public sealed class LakeSession(DuckDBConnection connection) : IAsyncDisposable, IDisposable
{
    public DuckDBConnection Connection => connection;

    public DuckDBCommand Command(string sql, params object?[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var value in parameters)
            command.Parameters.Add(new DuckDBParameter(value ?? DBNull.Value));
        return command;
    }

    internal static void Execute(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A DuckDB list literal of file paths.</summary>
    internal static string FileList(IEnumerable<string> files) => "[" + string.Join(", ", files.Select(f => "'" + f.Replace("'", "''", StringComparison.Ordinal) + "'")) + "]";

    public void Dispose() => connection.Dispose();

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
