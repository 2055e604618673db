using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Commerce.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Commerce.Storage.Documents.Sqlite;

/// <summary>Documents in one SQLite file, a table per container, bodies as JSON text.</summary>
public sealed class SqliteDocumentStore(SqliteDatabase database) : IDocumentStore
{
    private readonly ConcurrentDictionary<string, SqliteDocumentContainer> _containers = new(StringComparer.Ordinal);

    public string Adapter => "sqlite";

    public SqliteDatabase Database => database;

    public async Task<IDocumentContainer> GetContainerAsync(string name, CancellationToken cancellationToken = default)
    {
        if (_containers.TryGetValue(name, out var existing))
            return existing;
        StorageNames.Validate("container", name);
        await database.WriteAsync(session => session.Execute($"""
            CREATE TABLE IF NOT EXISTS "{TableName(name)}" (
                pk TEXT NOT NULL,
                id TEXT NOT NULL,
                etag TEXT NOT NULL,
                body TEXT NOT NULL,
                PRIMARY KEY (pk, id)
            ) WITHOUT ROWID;
            """)).ConfigureAwait(false);
        return _containers.GetOrAdd(name, n => new SqliteDocumentContainer(database, n));
    }

    public Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(database.CheckHealth("documents", Adapter, "SELECT 1;"));

    internal static string TableName(string container) => "docs_" + container;
}

internal sealed class SqliteDocumentContainer(SqliteDatabase database, string name) : IDocumentContainer
{
    private readonly string _read = $"""SELECT etag, body FROM "{SqliteDocumentStore.TableName(name)}" WHERE pk = $pk AND id = $id""";
    private readonly string _insert = $"""INSERT INTO "{SqliteDocumentStore.TableName(name)}" (pk, id, etag, body) VALUES ($pk, $id, $etag, CAST($body AS TEXT)) ON CONFLICT DO NOTHING""";
    private readonly string _upsert = $"""
        INSERT INTO "{SqliteDocumentStore.TableName(name)}" (pk, id, etag, body) VALUES ($pk, $id, $etag, CAST($body AS TEXT))
        ON CONFLICT (pk, id) DO UPDATE SET etag = excluded.etag, body = excluded.body
        """;
    private readonly string _replace = $"""UPDATE "{SqliteDocumentStore.TableName(name)}" SET etag = $etag, body = CAST($body AS TEXT) WHERE pk = $pk AND id = $id AND etag = $ifMatch""";
    private readonly string _exists = $"""SELECT 1 FROM "{SqliteDocumentStore.TableName(name)}" WHERE pk = $pk AND id = $id""";
    private readonly string _delete = $"""DELETE FROM "{SqliteDocumentStore.TableName(name)}" WHERE pk = $pk AND id = $id""";
    private readonly string _deleteIfMatch = $"""DELETE FROM "{SqliteDocumentStore.TableName(name)}" WHERE pk = $pk AND id = $id AND etag = $ifMatch""";

    public string Name => name;

    public Task<StoredDocument?> ReadAsync(string partitionKey, string id, CancellationToken cancellationToken = default)
    {
        DocumentRules.ValidateKey(partitionKey, id);
        using var session = database.Rent();
        var command = session.Command(_read, "$pk", "$id");
        command.Parameters[0].Value = partitionKey;
        command.Parameters[1].Value = id;
        using var reader = command.ExecuteReader();
        StoredDocument? document = reader.Read()
            ? new StoredDocument(partitionKey, id, reader.GetString(0), reader.GetFieldValue<byte[]>(1))
            : null;
        return Task.FromResult(document);
    }

    public async Task<StoredDocument> CreateAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default)
    {
        DocumentRules.ValidateKey(partitionKey, id);
        DocumentRules.ValidateBody(json);
        var etag = NewETag();
        if (await database.WriteAsync(session => Write(session, _insert, partitionKey, id, etag, json)).ConfigureAwait(false) == 0)
            throw new DocumentConflictException(name, partitionKey, id);
        return new StoredDocument(partitionKey, id, etag, json);
    }

    public async Task<StoredDocument> UpsertAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default)
    {
        DocumentRules.ValidateKey(partitionKey, id);
        DocumentRules.ValidateBody(json);
        var etag = NewETag();
        await database.WriteAsync(session => Write(session, _upsert, partitionKey, id, etag, json)).ConfigureAwait(false);
        return new StoredDocument(partitionKey, id, etag, json);
    }

    public async Task<StoredDocument> ReplaceAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, string ifMatch, CancellationToken cancellationToken = default)
    {
        DocumentRules.ValidateKey(partitionKey, id);
        DocumentRules.ValidateBody(json);
        ArgumentException.ThrowIfNullOrEmpty(ifMatch);
        var etag = NewETag();
        return await database.WriteAsync(session =>
        {
            var command = session.Command(_replace, "$pk", "$id", "$etag", "$body", "$ifMatch");
            command.Parameters[0].Value = partitionKey;
            command.Parameters[1].Value = id;
            command.Parameters[2].Value = etag;
            command.Parameters[3].Value = json.ToArray();
            command.Parameters[4].Value = ifMatch;
            if (command.ExecuteNonQuery() == 1)
                return new StoredDocument(partitionKey, id, etag, json);
            throw Exists(session, partitionKey, id)
                ? new DocumentPreconditionFailedException(name, partitionKey, id)
                : new DocumentNotFoundException(name, partitionKey, id);
        }).ConfigureAwait(false);
    }

    public async Task<bool> DeleteAsync(string partitionKey, string id, string? ifMatch = null, CancellationToken cancellationToken = default)
    {
        DocumentRules.ValidateKey(partitionKey, id);
        return await database.WriteAsync(session =>
        {
            if (ifMatch is null)
            {
                var delete = session.Command(_delete, "$pk", "$id");
                delete.Parameters[0].Value = partitionKey;
                delete.Parameters[1].Value = id;
                return delete.ExecuteNonQuery() == 1;
            }
            var conditional = session.Command(_deleteIfMatch, "$pk", "$id", "$ifMatch");
            conditional.Parameters[0].Value = partitionKey;
            conditional.Parameters[1].Value = id;
            conditional.Parameters[2].Value = ifMatch;
            if (conditional.ExecuteNonQuery() == 1)
                return true;
            return Exists(session, partitionKey, id) ? throw new DocumentPreconditionFailedException(name, partitionKey, id) : false;
        }).ConfigureAwait(false);
    }

    public Task<DocumentPage> QueryAsync(string partitionKey, DocumentQuery query, CancellationToken cancellationToken = default)
    {
        query.Validate();
        ArgumentException.ThrowIfNullOrEmpty(partitionKey);
        var offset = ParseContinuation(query.ContinuationToken);
        var sql = new StringBuilder($"""SELECT id, etag, body FROM "{SqliteDocumentStore.TableName(name)}" WHERE pk = $pk""");
        var values = new List<object> { partitionKey };
        var names = new List<string> { "$pk" };
        foreach (var filter in query.Filters)
            AppendFilter(sql, filter, values, names);
        if (query.OrderBy is not null)
            sql.Append(CultureInfo.InvariantCulture, $" ORDER BY json_extract(body, '$.{query.OrderBy}') {(query.Descending ? "DESC" : "ASC")}, id {(query.Descending ? "DESC" : "ASC")}");
        else
            sql.Append(" ORDER BY id");
        sql.Append(" LIMIT $take OFFSET $skip");
        values.Add(query.PageSize + 1);
        names.Add("$take");
        values.Add(offset);
        names.Add("$skip");

        using var session = database.Rent();
        var command = session.Command(sql.ToString(), names.ToArray());
        for (var i = 0; i < values.Count; i++)
            command.Parameters[i].Value = values[i];
        var items = new List<StoredDocument>(query.PageSize);
        var more = false;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                if (items.Count == query.PageSize)
                {
                    more = true;
                    break;
                }
                items.Add(new StoredDocument(partitionKey, reader.GetString(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
            }
        }
        var token = more ? "offset:" + (offset + query.PageSize).ToString(CultureInfo.InvariantCulture) : null;
        return Task.FromResult(new DocumentPage(items, token));
    }

    private static void AppendFilter(StringBuilder sql, DocumentFilter filter, List<object> values, List<string> names)
    {
        var path = $"'$.{filter.Path}'";
        var type = $"json_type(body, {path})";
        var value = $"json_extract(body, {path})";
        var parameter = "$v" + values.Count.ToString(CultureInfo.InvariantCulture);
        var normalized = JsonSerializer.SerializeToElement(filter.Value, DocumentJson.Options);

        if (normalized.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            sql.Append(filter.Operator switch
            {
                FilterOperator.Equal => $" AND ({type} IS NULL OR {type} = 'null')",
                FilterOperator.NotEqual => $" AND {type} IS NOT NULL AND {type} <> 'null'",
                _ => throw new ArgumentException($"Only equality filters can compare '{filter.Path}' with null."),
            });
            return;
        }
        if (normalized.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            var literal = normalized.ValueKind == JsonValueKind.True ? "'true'" : "'false'";
            sql.Append(filter.Operator switch
            {
                FilterOperator.Equal => $" AND {type} = {literal}",
                FilterOperator.NotEqual => $" AND {type} IS NOT NULL AND {type} <> {literal}",
                _ => throw new ArgumentException($"Only equality filters can compare '{filter.Path}' with a boolean."),
            });
            return;
        }

        object bound;
        string typeGuard;
        switch (normalized.ValueKind)
        {
            case JsonValueKind.String:
                bound = normalized.GetString()!;
                typeGuard = $"{type} = 'text'";
                break;
            case JsonValueKind.Number:
                bound = normalized.TryGetInt64(out var whole) ? whole : normalized.GetDouble();
                typeGuard = $"{type} IN ('integer', 'real')";
                break;
            default:
                throw new ArgumentException($"Filter on '{filter.Path}' needs a string, number, boolean or null value.");
        }
        values.Add(bound);
        names.Add(parameter);
        sql.Append(filter.Operator switch
        {
            FilterOperator.Equal => $" AND {typeGuard} AND {value} = {parameter}",
            FilterOperator.NotEqual => $" AND {typeGuard} AND {value} <> {parameter}",
            FilterOperator.LessThan => $" AND {typeGuard} AND {value} < {parameter}",
            FilterOperator.LessThanOrEqual => $" AND {typeGuard} AND {value} <= {parameter}",
            FilterOperator.GreaterThan => $" AND {typeGuard} AND {value} > {parameter}",
            FilterOperator.GreaterThanOrEqual => $" AND {typeGuard} AND {value} >= {parameter}",
            FilterOperator.StartsWith when bound is string => $" AND {typeGuard} AND substr({value}, 1, length({parameter})) = {parameter}",
            _ => throw new ArgumentException($"'{filter.Operator}' needs a string value for '{filter.Path}'."),
        });
    }

    private static int ParseContinuation(string? token)
    {
        if (token is null)
            return 0;
        if (token.StartsWith("offset:", StringComparison.Ordinal)
            && int.TryParse(token.AsSpan("offset:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            return offset;
        throw new ArgumentException($"'{token}' is not a continuation token of this store.", nameof(token));
    }

    private static int Write(SqliteSession session, string sql, string partitionKey, string id, string etag, ReadOnlyMemory<byte> json)
    {
        var command = session.Command(sql, "$pk", "$id", "$etag", "$body");
        command.Parameters[0].Value = partitionKey;
        command.Parameters[1].Value = id;
        command.Parameters[2].Value = etag;
        command.Parameters[3].Value = json.ToArray();
        return command.ExecuteNonQuery();
    }

    private bool Exists(SqliteSession session, string partitionKey, string id)
    {
        var command = session.Command(_exists, "$pk", "$id");
        command.Parameters[0].Value = partitionKey;
        command.Parameters[1].Value = id;
        return command.ExecuteScalar() is not null;
    }

    // An ETag only has to differ from the document's earlier ones, not be unguessable: the shared generator
    // (randomly seeded per process) does that without the system call a cryptographic fill makes on every write.
    private static string NewETag() => "\"" + Random.Shared.NextInt64().ToString("x16", CultureInfo.InvariantCulture) + "\"";
}
