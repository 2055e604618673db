using Commerce.Storage.AzureStorage;
using Commerce.Storage.Blobs;
using Commerce.Storage.Blobs.Azure;
using Commerce.Storage.Blobs.Folder;
using Commerce.Storage.Documents;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Queues;
using Commerce.Storage.Queues.Azure;
using Commerce.Storage.Queues.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing.Emulators;
using Microsoft.Data.Sqlite;

namespace Commerce.Bench.Storage;

/// <summary>
/// The embedded adapters against the bare Microsoft.Data.Sqlite calls they wrap, in the same run:
/// document point read and upsert, and the queue round trip (enqueue, dequeue, delete). Then the Azure
/// Storage adapters against a real Azurite, against the cheapest request Azurite answers, with the CPU time
/// and allocations each operation costs this process (adapter, SDK and HTTP client; Azurite runs in its own process).
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
            var roundTrips = Measure.OperationsPerSecond(_ => QueueRoundTripAsync(queue, message), round) * 32;

            Console.WriteLine($"# {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; each figure the median of 5 rounds of {round.TotalSeconds:0.#} s");
            Measure.Report("baseline_raw_sqlite_point_reads_per_s", baselineReads);
            Measure.Report("sqlite_document_point_reads_per_s", reads);
            Measure.Report("sqlite_document_point_reads_ratio_to_baseline", reads / baselineReads);
            Measure.Report("sqlite_document_point_reads_parallel_per_s", parallelReads);
            Measure.Report("baseline_raw_sqlite_upserts_per_s", baselineUpserts);
            Measure.Report("sqlite_document_upserts_per_s", upserts);
            Measure.Report("sqlite_document_upserts_ratio_to_baseline", upserts / baselineUpserts);
            Measure.Report("sqlite_queue_round_trips_per_s", roundTrips);
            if (!args.Contains("--no-azurite"))
                await AzuriteAsync(round, message);
            return 0;
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// Blob reads and conditional writes, and the queue round trip, through the adapters as the app composes them.
    /// Baseline: an anonymous GET that Azurite refuses, on a bare HttpClient: the floor of one request to it.
    /// </summary>
    private static async Task AzuriteAsync(TimeSpan round, string message)
    {
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            var account = AzureStorageAccount.FromConnectionString(azurite.ConnectionString);
            var blobs = new AzureBlobStore(account);
            var container = await blobs.GetContainerAsync("bench");
            var model = new byte[2048];
            new Random(7).NextBytes(model);
            var etag = (await container.PutAsync("models/latest.bin", model)).ETag;

            using var http = new HttpClient(new SocketsHttpHandler());
            var refused = new Uri(azurite.BlobEndpoint + "/bench/models/latest.bin");
            Measure.Profiled Baseline() => Measure.Profile(async _ =>
            {
                using var response = await http.GetAsync(refused);
                await response.Content.CopyToAsync(Stream.Null);
            }, round);
            var baselineBefore = Baseline();
            var reads = Measure.Profile(async _ => await container.GetAsync("models/latest.bin"), round);
            var writes = Measure.Profile(async _ => etag = (await container.PutAsync("models/latest.bin", model, new BlobPutOptions(IfMatch: etag))).ETag, round);
            var queues = new QueueEnvelopeStore(new AzureQueueStore(account), blobs, new QueueEnvelopeOptions());
            var queue = await queues.GetQueueAsync("bench");
            var roundTrips = Measure.Profile(_ => QueueRoundTripAsync(queue, message), round);
            var baselineAfter = Baseline();
            // Measured before and after the adapters and averaged, so a load that changes during the run weighs on both sides.
            var baseline = (baselineBefore.PerSecond + baselineAfter.PerSecond) / 2;
            var baselineCpu = (baselineBefore.CpuMicrosecondsPerOperation + baselineAfter.CpuMicrosecondsPerOperation) / 2;

            Measure.Report("baseline_azurite_refused_get_per_s", baseline);
            Measure.Report("baseline_azurite_refused_get_client_cpu_us", baselineCpu);
            Measure.Report("baseline_azurite_refused_get_client_allocated_bytes", (baselineBefore.AllocatedBytesPerOperation + baselineAfter.AllocatedBytesPerOperation) / 2);
            Measure.Report("azure_blob_reads_per_s", reads.PerSecond);
            Measure.Report("azure_blob_reads_ratio_to_baseline", reads.PerSecond / baseline);
            Measure.Report("azure_blob_reads_client_cpu_us", reads.CpuMicrosecondsPerOperation);
            Measure.Report("azure_blob_reads_client_allocated_bytes", reads.AllocatedBytesPerOperation);
            Measure.Report("azure_blob_conditional_writes_per_s", writes.PerSecond);
            Measure.Report("azure_blob_conditional_writes_ratio_to_baseline", writes.PerSecond / baseline);
            Measure.Report("azure_blob_conditional_writes_client_cpu_us", writes.CpuMicrosecondsPerOperation);
            Measure.Report("azure_blob_conditional_writes_client_allocated_bytes", writes.AllocatedBytesPerOperation);
            Measure.Report("azure_queue_round_trips_per_s", roundTrips.PerSecond * 32);
            Measure.Report("azure_queue_round_trips_ratio_to_baseline", roundTrips.PerSecond * 32 / baseline);
            Measure.Report("azure_queue_round_trips_client_cpu_us_per_message", roundTrips.CpuMicrosecondsPerOperation / 32);
            Measure.Report("azure_queue_round_trips_client_allocated_bytes_per_message", roundTrips.AllocatedBytesPerOperation / 32);
        }
        finally
        {
            await azurite.DisposeAsync();
        }
    }

    /// <summary>32 messages through enqueue, dequeue in one batch, and delete, as queue functions use a queue.</summary>
    private static async Task QueueRoundTripAsync(IMessageQueue queue, string message)
    {
        for (var i = 0; i < 32; i++)
            await queue.EnqueueAsync(message);
        foreach (var received in await queue.DequeueAsync(32, TimeSpan.FromMinutes(1)))
            await queue.DeleteAsync(received);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
