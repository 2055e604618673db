using Microsoft.Data.Sqlite;

namespace Commerce.Functions.Tests.Security;

/// <summary>
/// Every document of some containers with its ETag, read straight from the embedded store's SQLite file (not through
/// the app), so that "nothing changed" is counted independently of the code under test.
/// </summary>
public sealed record StoreSnapshot(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Containers)
{
    public static async Task<StoreSnapshot> ReadAsync(string dataDirectory, params string[] containers)
    {
        var builder = new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDirectory, "documents.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        await using var connection = new SqliteConnection(builder.ToString());
        await connection.OpenAsync();
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var container in containers)
        {
            var documents = new Dictionary<string, string>(StringComparer.Ordinal);
            await using var exists = connection.CreateCommand();
            exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $name";
            exists.Parameters.AddWithValue("$name", "docs_" + container);
            if ((long)(await exists.ExecuteScalarAsync())! > 0)
            {
                await using var read = connection.CreateCommand();
                read.CommandText = $"""SELECT pk, id, etag FROM "docs_{container}" """;
                await using var reader = await read.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                    documents[$"{reader.GetString(0)}/{reader.GetString(1)}"] = reader.GetString(2);
            }
            result[container] = documents;
        }
        return new StoreSnapshot(result);
    }

    public string Counts => string.Join(", ", Containers.Select(c => $"{c.Key} {c.Value.Count}"));

    /// <summary>What differs from <paramref name="before"/>: documents added, removed or rewritten, per container.</summary>
    public IReadOnlyList<string> ChangesSince(StoreSnapshot before)
    {
        var changes = new List<string>();
        foreach (var (container, now) in Containers)
        {
            var then = before.Containers[container];
            changes.AddRange(now.Keys.Except(then.Keys).Select(k => $"{container}: {k} added"));
            changes.AddRange(then.Keys.Except(now.Keys).Select(k => $"{container}: {k} removed"));
            changes.AddRange(now.Where(d => then.TryGetValue(d.Key, out var etag) && etag != d.Value).Select(d => $"{container}: {d.Key} rewritten"));
        }
        return changes;
    }
}
