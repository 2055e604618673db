using Commerce.Storage.Blobs.Folder;
using Commerce.Storage.Documents;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Queues;
using Commerce.Storage.Queues.Sqlite;
using Commerce.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Commerce.Bench.Storage;

/// <summary>
/// The embedded adapters against the bare Microsoft.Data.Sqlite calls they wrap, in the same run:
/// document point read and upsert, and the queue round trip (enqueue, dequeue, delete).
/// </summary>
public static class StorageBenchmark
{
    private const int Documents = 10_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"bench-storage-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var round = TimeSpan.FromSeconds(args.Contains("--quick") ? 0.5 : 2);
            using var documentsDb = new SqliteDatabase(Path.Combine(folder, "documents.db"));
            using var queuesDb = new SqliteDatabase(Path.Combine(folder, "queues.db"));
            var store = new SqliteDocumentStore(documentsDb);
            var container = await store.GetContainerAsync("products");
            var body = DocumentJson.Serialize(new { sku = "85123A", name = "WHITE HANGING HEART T-LIGHT HOLDER", listPrice = 2.55m, currency = "GBP", category = "home/candles", tags = new[] { "gift", "heart" } });
            for (var i = 0; i < Documents; i++)
                await container.UpsertAsync("catalog", $"sku-{i}", body);

            using var raw = new SqliteConnection($"Data Source={Path.Combine(folder, "baseline.db")};Pooling=false");
            raw.Open();
            Execute(raw, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE docs (pk TEXT NOT NULL, id TEXT NOT NULL, etag TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (pk, id)) WITHOUT ROWID;");
            var bodyText = System.Text.Encoding.UTF8.GetString(body);
            using (var insert = raw.CreateCommand())
            {
                insert.CommandText = "INSERT INTO docs VALUES ('catalog', $id, 'e', $body)";
                insert.Parameters.AddWithValue("$id", "");
                insert.Parameters.AddWithValue("$body", bodyText);
                using var transaction = raw.BeginTransaction();
                insert.Transaction = transaction;
                for (var i = 0; i < Documents; i++)
                {
                    insert.Parameters[0].Value = $"sku-{i}";
                    insert.ExecuteNonQuery();
                }
                transaction.Commit();
            }
            var rawRead = raw.CreateCommand();
            rawRead.CommandText = "SELECT etag, body FROM docs WHERE pk = 'catalog' AND id = $id";
            rawRead.Parameters.AddWithValue("$id", "");
            rawRead.Prepare();
            var rawUpsert = raw.CreateCommand();
            rawUpsert.CommandText = "INSERT INTO docs VALUES ('catalog', $id, $etag, $body) ON CONFLICT (pk, id) DO UPDATE SET etag = excluded.etag, body = excluded.body";
            rawUpsert.Parameters.AddWithValue("$id", "");
            rawUpsert.Parameters.AddWithValue("$etag", "");
            rawUpsert.Parameters.AddWithValue("$body", bodyText);
            rawUpsert.Prepare();

            var random = new ThreadLocal<Random>(() => new Random(42));
            string NextId() => $"sku-{random.Value!.Next(Documents)}";

            var baselineReads = Measure.OperationsPerSecond(worker =>
            {
                rawRead.Parameters[0].Value = NextId();
                using var reader = rawRead.ExecuteReader();
                reader.Read();
                _ = reader.GetString(0);
                _ = reader.GetFieldValue<byte[]>(1);
                return Task.CompletedTask;
            }, round);
            var reads = Measure.OperationsPerSecond(async _ => await container.ReadAsync("catalog", NextId()), round);
            var parallelReads = Measure.OperationsPerSecond(async _ => await container.ReadAsync("catalog", NextId()), round, workers: Environment.ProcessorCount);
            var baselineUpserts = Measure.OperationsPerSecond(_ =>
            {
                rawUpsert.Parameters[0].Value = NextId();
                rawUpsert.Parameters[1].Value = Guid.NewGuid().ToString("N");
                rawUpsert.ExecuteNonQuery();
                return Task.CompletedTask;
            }, round);
            var upserts = Measure.OperationsPerSecond(async _ => await container.UpsertAsync("catalog", NextId(), body), round);

            var blobs = new FolderBlobStore(Path.Combine(folder, "blobs"));
            var queues = new QueueEnvelopeStore(new SqliteQueueStore(queuesDb), blobs, new QueueEnvelopeOptions());
            var queue = await queues.GetQueueAsync("bench");
            var message = """{"instanceId":"order-123","event":"ActivityCompleted","payload":{"ok":true}}""";
            var roundTrips = Measure.OperationsPerSecond(async _ =>
            {
                for (var i = 0; i < 32; i++)
                    await queue.EnqueueAsync(message);
                foreach (var received in await queue.DequeueAsync(32, TimeSpan.FromMinutes(1)))
                    await queue.DeleteAsync(received);
            }, round) * 32;

            Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; each figure the median of 5 rounds of {round.TotalSeconds:0.#} s");
            Measure.Report("baseline_raw_sqlite_point_reads_per_s", baselineReads);
            Measure.Report("sqlite_document_point_reads_per_s", reads);
            Measure.Report("sqlite_document_point_reads_ratio_to_baseline", reads / baselineReads);
            Measure.Report("sqlite_document_point_reads_parallel_per_s", parallelReads);
            Measure.Report("baseline_raw_sqlite_upserts_per_s", baselineUpserts);
            Measure.Report("sqlite_document_upserts_per_s", upserts);
            Measure.Report("sqlite_document_upserts_ratio_to_baseline", upserts / baselineUpserts);
            Measure.Report("sqlite_queue_round_trips_per_s", roundTrips);
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
