using System.Collections.Concurrent;
using Commerce.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Commerce.Storage.Queues.Sqlite;

/// <summary>Queues in one SQLite file with Azure queue semantics; consumers in this process wake up on enqueue.</summary>
public sealed class SqliteQueueStore : IQueueStore
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, SqliteMessageQueue> _queues = new(StringComparer.Ordinal);

    public SqliteQueueStore(SqliteDatabase database, TimeProvider? time = null)
    {
        _database = database;
        _time = time ?? TimeProvider.System;
        using var session = database.Rent();
        session.Execute("""
            CREATE TABLE IF NOT EXISTS queue_messages (
                queue TEXT NOT NULL,
                id TEXT NOT NULL,
                body TEXT NOT NULL,
                inserted_at INTEGER NOT NULL,
                visible_at INTEGER NOT NULL,
                dequeue_count INTEGER NOT NULL,
                receipt TEXT NOT NULL,
                PRIMARY KEY (queue, id)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS queue_messages_due ON queue_messages (queue, visible_at);
            """);
        // Files made before messages could expire lack the column; a message without an expiry never expires.
        var hasExpiry = Convert.ToInt64(session.Command("SELECT count(*) FROM pragma_table_info('queue_messages') WHERE name = 'expires_at'").ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
        if (!hasExpiry)
            session.Execute("ALTER TABLE queue_messages ADD COLUMN expires_at INTEGER;");
        session.Execute("CREATE INDEX IF NOT EXISTS queue_messages_expiry ON queue_messages (queue, expires_at) WHERE expires_at IS NOT NULL;");
    }

    public string Adapter => "sqlite";

    public Task<IMessageQueue> GetQueueAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!_queues.TryGetValue(name, out var queue))
        {
            StorageNames.Validate("queue", name);
            queue = _queues.GetOrAdd(name, n => new SqliteMessageQueue(_database, _time, n));
        }
        return Task.FromResult<IMessageQueue>(queue);
    }

    public Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(_database.CheckHealth("queues", Adapter, "SELECT count(*) FROM queue_messages WHERE 0;"));
}

internal sealed class SqliteMessageQueue(SqliteDatabase database, TimeProvider time, string name) : IMessageQueue
{
    private const string Insert = "INSERT INTO queue_messages (queue, id, body, inserted_at, visible_at, dequeue_count, receipt, expires_at) VALUES ($queue, $id, $body, $now, $visibleAt, 0, '', $expiresAt)";
    private const string Purge = "DELETE FROM queue_messages WHERE queue = $queue AND expires_at IS NOT NULL AND expires_at <= $now";
    private const string Take = """
        UPDATE queue_messages
        SET visible_at = $until, dequeue_count = dequeue_count + 1, receipt = lower(hex(randomblob(8)))
        WHERE queue = $queue AND id IN (
            SELECT id FROM queue_messages WHERE queue = $queue AND visible_at <= $now AND (expires_at IS NULL OR expires_at > $now)
            ORDER BY visible_at, id LIMIT $max)
        RETURNING id, body, dequeue_count, inserted_at, visible_at, receipt
        """;
    private const string Remove = "DELETE FROM queue_messages WHERE queue = $queue AND id = $id AND receipt = $receipt";
    private const string Hide = """
        UPDATE queue_messages SET visible_at = $visibleAt, receipt = lower(hex(randomblob(8)))
        WHERE queue = $queue AND id = $id AND receipt = $receipt
        RETURNING receipt
        """;
    private const string Count = "SELECT count(*) FROM queue_messages WHERE queue = $queue AND (expires_at IS NULL OR expires_at > $now)";
    private const string NextDue = "SELECT min(visible_at) FROM queue_messages WHERE queue = $queue";

    private readonly Pulse _arrivals = new();

    public string Name => name;

    public Task<string> EnqueueAsync(string message, TimeSpan? visibilityDelay = null, CancellationToken cancellationToken = default)
    {
        var delay = visibilityDelay ?? TimeSpan.Zero;
        if (delay < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(visibilityDelay), "A delay cannot be negative.");
        return AddAsync(message, delay, null);
    }

    public Task<string> EnqueueExpiringAsync(string message, TimeSpan timeToLive, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeToLive, TimeSpan.Zero);
        return AddAsync(message, TimeSpan.Zero, timeToLive);
    }

    private async Task<string> AddAsync(string message, TimeSpan delay, TimeSpan? timeToLive)
    {
        ArgumentNullException.ThrowIfNull(message);
        var id = Guid.CreateVersion7().ToString();
        var now = time.GetUtcNow();
        await database.WriteAsync(session =>
        {
            if (timeToLive is not null)
            {
                // Whoever adds expiring messages clears the expired ones: nobody may ever dequeue from this queue.
                var purge = session.Command(Purge, "$queue", "$now");
                purge.Parameters[0].Value = name;
                purge.Parameters[1].Value = now.ToUnixTimeMilliseconds();
                purge.ExecuteNonQuery();
            }
            var command = session.Command(Insert, "$queue", "$id", "$body", "$now", "$visibleAt", "$expiresAt");
            command.Parameters[0].Value = name;
            command.Parameters[1].Value = id;
            command.Parameters[2].Value = message;
            command.Parameters[3].Value = now.ToUnixTimeMilliseconds();
            command.Parameters[4].Value = (now + delay).ToUnixTimeMilliseconds();
            command.Parameters[5].Value = timeToLive is { } ttl ? (now + ttl).ToUnixTimeMilliseconds() : DBNull.Value;
            return command.ExecuteNonQuery();
        }).ConfigureAwait(false);
        _arrivals.Fire();
        return id;
    }

    public async Task<IReadOnlyList<QueueMessage>> DequeueAsync(int maxMessages, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(visibilityTimeout, TimeSpan.Zero);
        var now = time.GetUtcNow();
        var messages = await database.WriteAsync(session =>
        {
            var taken = new List<QueueMessage>();
            var command = session.Command(Take, "$queue", "$now", "$until", "$max");
            command.Parameters[0].Value = name;
            command.Parameters[1].Value = now.ToUnixTimeMilliseconds();
            command.Parameters[2].Value = (now + visibilityTimeout).ToUnixTimeMilliseconds();
            command.Parameters[3].Value = maxMessages;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                taken.Add(new QueueMessage(
                    reader.GetString(0),
                    reader.GetString(5),
                    reader.GetString(1),
                    reader.GetInt32(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
            }
            return taken;
        }).ConfigureAwait(false);
        // RETURNING yields rows in storage order; hand them out oldest first (ids are time-ordered).
        messages.Sort((a, b) => a.InsertedOn != b.InsertedOn ? a.InsertedOn.CompareTo(b.InsertedOn) : string.CompareOrdinal(a.MessageId, b.MessageId));
        return messages;
    }

    public async Task DeleteAsync(QueueMessage message, CancellationToken cancellationToken = default)
    {
        var removed = await database.WriteAsync(session =>
        {
            var command = session.Command(Remove, "$queue", "$id", "$receipt");
            command.Parameters[0].Value = name;
            command.Parameters[1].Value = message.MessageId;
            command.Parameters[2].Value = message.PopReceipt;
            return command.ExecuteNonQuery();
        }).ConfigureAwait(false);
        if (removed == 0)
            throw new QueueMessageNotFoundException(name, message.MessageId);
    }

    public async Task<QueueMessage> UpdateVisibilityAsync(QueueMessage message, TimeSpan visibilityTimeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(visibilityTimeout, TimeSpan.Zero);
        var visibleAt = time.GetUtcNow() + visibilityTimeout;
        var receipt = await database.WriteAsync(session =>
        {
            var command = session.Command(Hide, "$queue", "$id", "$receipt", "$visibleAt");
            command.Parameters[0].Value = name;
            command.Parameters[1].Value = message.MessageId;
            command.Parameters[2].Value = message.PopReceipt;
            command.Parameters[3].Value = visibleAt.ToUnixTimeMilliseconds();
            return command.ExecuteScalar() as string;
        }).ConfigureAwait(false) ?? throw new QueueMessageNotFoundException(name, message.MessageId);
        if (visibilityTimeout == TimeSpan.Zero)
            _arrivals.Fire();
        return message with { PopReceipt = receipt, NextVisibleOn = DateTimeOffset.FromUnixTimeMilliseconds(visibleAt.ToUnixTimeMilliseconds()) };
    }

    public Task<int> GetApproximateCountAsync(CancellationToken cancellationToken = default)
    {
        using var session = database.Rent();
        var command = session.Command(Count, "$queue", "$now");
        command.Parameters[0].Value = name;
        command.Parameters[1].Value = time.GetUtcNow().ToUnixTimeMilliseconds();
        return Task.FromResult(Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    public async Task WaitForMessagesAsync(TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var arrival = _arrivals.Next;
        long? nextDue;
        using (var session = database.Rent())
        {
            var command = session.Command(NextDue, "$queue");
            command.Parameters[0].Value = name;
            nextDue = command.ExecuteScalar() as long?;
        }
        var wait = maxWait;
        if (nextDue is { } due)
        {
            var untilDue = DateTimeOffset.FromUnixTimeMilliseconds(due) - time.GetUtcNow();
            if (untilDue <= TimeSpan.Zero)
                return;
            if (untilDue < wait)
                wait = untilDue;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(wait, time, timeout.Token);
        await Task.WhenAny(arrival, delay).ConfigureAwait(false);
        await timeout.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Wakes everyone waiting at the moment it fires; later waiters wait for the next firing.</summary>
    private sealed class Pulse
    {
        private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Next => Volatile.Read(ref _current).Task;

        public void Fire() =>
            Interlocked.Exchange(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
