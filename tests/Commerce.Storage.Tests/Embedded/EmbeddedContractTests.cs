using Commerce.Testing;
using Commerce.Storage.Queues.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Storage.Blobs;
using Commerce.Storage.Documents;
using Commerce.Storage.Queues;
using Commerce.Storage.Tests.Contracts;

namespace Commerce.Storage.Tests.Embedded;

public sealed class SqliteDocumentStoreTests(EmbeddedStoresFixture stores) : DocumentStoreContract, IClassFixture<EmbeddedStoresFixture>
{
    protected override IDocumentStore Store => stores.Documents;
}

public sealed class FolderBlobStoreTests(EmbeddedStoresFixture stores) : BlobStoreContract, IClassFixture<EmbeddedStoresFixture>
{
    protected override IBlobStore Store => stores.Blobs;
}

public sealed class SqliteQueueStoreTests(EmbeddedStoresFixture stores) : QueueStoreContract, IClassFixture<EmbeddedStoresFixture>
{
    protected override IQueueStore Adapter => stores.Queues;
    protected override IBlobStore Blobs => stores.Blobs;

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task A_file_from_before_expiry_keeps_its_messages_and_expired_ones_are_removed_when_the_next_expiring_one_is_added()
    {
        using var folder = new TempDirectory("queue-expiry");
        using var database = new SqliteDatabase(Path.Combine(folder.Path, "queues.db"));
        using (var session = database.Rent())
        {
            // The table as it was before messages could expire, with one message in it.
            session.Execute("""
                CREATE TABLE queue_messages (queue TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, inserted_at INTEGER NOT NULL,
                    visible_at INTEGER NOT NULL, dequeue_count INTEGER NOT NULL, receipt TEXT NOT NULL, PRIMARY KEY (queue, id)) WITHOUT ROWID;
                INSERT INTO queue_messages VALUES ('events', 'old', 'from before', 0, 0, 0, '');
                """);
        }
        var clock = new Clock(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero));
        var queue = await new SqliteQueueStore(database, clock).GetQueueAsync("events");
        long Rows()
        {
            using var session = database.Rent();
            return Convert.ToInt64(session.Command("SELECT count(*) FROM queue_messages").ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        await queue.EnqueueExpiringAsync("first", TimeSpan.FromMinutes(1));
        clock.Now += TimeSpan.FromMinutes(2);
        Assert.Equal((3L, 1), (Rows() + 1, await queue.GetApproximateCountAsync()));
        await queue.EnqueueExpiringAsync("second", TimeSpan.FromMinutes(1));

        Assert.Equal((2L, 2), (Rows(), await queue.GetApproximateCountAsync()));
        Assert.Equal(["from before", "second"], (await queue.DequeueAsync(10, TimeSpan.FromMinutes(5))).Select(m => m.Body).Order(StringComparer.Ordinal));
    }
}
