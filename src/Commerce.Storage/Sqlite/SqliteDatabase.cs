using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Commerce.Storage.Sqlite;

/// <summary>
/// One SQLite file in WAL mode with a pool of open connections, each keeping its prepared statements,
/// and one writer at a time inside this process (other processes wait on SQLite's busy timeout).
/// </summary>
/// <remarks>
/// synchronous=NORMAL in WAL mode survives a killed process (the WAL is in the OS page cache);
/// only a power loss can take back the last commits.
/// </remarks>
public sealed class SqliteDatabase : IDisposable
{
    private const int MaxIdleSessions = 32;

    private readonly string _connectionString;
    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private readonly SemaphoreSlim _writer = new(1, 1);
    private bool _disposed;

    public SqliteDatabase(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString();
        using var session = Rent();
        session.Execute("PRAGMA journal_mode=WAL;");
    }

    public string Path { get; }

    /// <summary>Runs a cheap statement to tell /api/health whether this file is usable.</summary>
    public StoreHealth CheckHealth(string store, string adapter, string probeSql)
    {
        try
        {
            using var session = Rent();
            session.Execute(probeSql);
            return new StoreHealth(store, adapter, true, Path);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            return new StoreHealth(store, adapter, false, $"{Path}: {e.Message}");
        }
    }

    public SqliteSession Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryTake(out var session))
            return session;
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using (var pragmas = connection.CreateCommand())
        {
            pragmas.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
            pragmas.ExecuteNonQuery();
        }
        return new SqliteSession(this, connection);
    }

    /// <summary>A session for writing; the only writer in this process until it is disposed.</summary>
    public async ValueTask<SqliteSession> RentWriterAsync(CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var session = Rent();
            session.ReleasesWriter = true;
            return session;
        }
        catch
        {
            _writer.Release();
            throw;
        }
    }

    internal void Return(SqliteSession session)
    {
        if (session.ReleasesWriter)
        {
            session.ReleasesWriter = false;
            _writer.Release();
        }
        if (_disposed || _idle.Count >= MaxIdleSessions)
            session.Close();
        else
            _idle.Add(session);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var session))
            session.Close();
    }
}

/// <summary>A rented connection that caches one prepared command per SQL text; dispose to give it back.</summary>
public sealed class SqliteSession : IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    internal SqliteSession(SqliteDatabase database, SqliteConnection connection)
    {
        _database = database;
        Connection = connection;
    }

    public SqliteConnection Connection { get; }

    internal bool ReleasesWriter { get; set; }

    /// <summary>The cached command for <paramref name="sql"/>, with its parameters declared once by name.</summary>
    public SqliteCommand Command(string sql, params ReadOnlySpan<string> parameterNames)
    {
        if (_commands.TryGetValue(sql, out var command))
            return command;
        command = Connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameterNames)
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        _commands[sql] = command;
        return command;
    }

    public int Execute(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteNonQuery();
    }

    public void Dispose() => _database.Return(this);

    internal void Close()
    {
        foreach (var command in _commands.Values)
            command.Dispose();
        _commands.Clear();
        Connection.Dispose();
    }
}
