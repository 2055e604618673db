using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Commerce.Storage.Sqlite;

/// <summary>
/// One SQLite file in WAL mode with a pool of open connections, each keeping its prepared statements,
/// and one writer that commits concurrent writes together (other processes wait on SQLite's busy timeout).
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
    private const int MaxWritesPerCommit = 256;

    private readonly System.Threading.Channels.Channel<IWrite> _writes = System.Threading.Channels.Channel.CreateUnbounded<IWrite>(new() { SingleReader = true });
    private readonly Task _writeLoop;
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
        using (var session = Rent())
            session.Execute("PRAGMA journal_mode=WAL;");
        _writeLoop = Task.Factory.StartNew(WriteLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
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

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction and completes once it is committed. Writes from
    /// concurrent callers are grouped into one transaction by a single writer (group commit): SQLite allows
    /// one writer at a time anyway, and one commit for many small writes costs little more than for one.
    /// An exception thrown by <paramref name="work"/> goes to its caller only; the others still commit.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<SqliteSession, T> work)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var item = new Write<T>(work);
        if (!_writes.Writer.TryWrite(item))
            throw new ObjectDisposedException(nameof(SqliteDatabase), "The database is closing; the write was not taken.");
        return item.Completion.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<IWrite>(MaxWritesPerCommit);
        while (await _writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxWritesPerCommit && _writes.Reader.TryRead(out var next))
                batch.Add(next);
            SqliteSession? session = null;
            try
            {
                session = Rent();
                session.Execute("BEGIN IMMEDIATE;");
                foreach (var write in batch)
                    write.Run(session);
                session.Execute("COMMIT;");
                foreach (var write in batch)
                    write.Complete();
            }
            catch (Exception e)
            {
                try
                {
                    session?.Execute("ROLLBACK;");
                }
                catch (SqliteException)
                {
                    // Nothing to roll back: BEGIN itself failed, or SQLite rolled back already.
                }
                foreach (var write in batch)
                    write.Fail(e);
            }
            finally
            {
                session?.Dispose();
            }
            batch.Clear();
        }
    }

    private interface IWrite
    {
        void Run(SqliteSession session);
        void Complete();
        void Fail(Exception error);
    }

    private sealed class Write<T>(Func<SqliteSession, T> work) : IWrite
    {
        private T? _result;
        private Exception? _error;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Run(SqliteSession session)
        {
            try
            {
                _result = work(session);
            }
            catch (SqliteException)
            {
                // The engine failed (disk full, I/O error, ...) and may have rolled back the whole transaction:
                // the batch fails as one, rather than committing the writes after this one on their own.
                throw;
            }
            catch (Exception e)
            {
                _error = e;
            }
        }

        public void Complete()
        {
            if (_error is null)
                Completion.TrySetResult(_result!);
            else
                Completion.TrySetException(_error);
        }

        public void Fail(Exception error) => Completion.TrySetException(_error ?? error);
    }

    internal void Return(SqliteSession session)
    {
        if (_disposed || _idle.Count >= MaxIdleSessions)
            session.Close();
        else
            _idle.Add(session);
    }

    public void Dispose()
    {
        _writes.Writer.TryComplete();
        _writeLoop.Wait();
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
