using System.Text;
using Commerce.Analytics.Lake;
using Commerce.Events.Behaviour;
using Commerce.Storage;
using Commerce.Storage.AzureStorage;
using Commerce.Storage.Blobs;
using Commerce.Storage.Blobs.Azure;
using Commerce.Testing;
using Commerce.Testing.Emulators;

namespace Commerce.Analytics.Tests.Compaction;

/// <summary>The lake on Azure Blob Storage (a real Azurite): written through the blob port, read by DuckDB from a local mirror kept by ETag.</summary>
public sealed class AzuriteLakeTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Csv = """
        InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
        500001,A1,RED MUG,6,2011-01-10T09:00:00,2.50,100,France
        500002,A1,RED MUG,4,2011-07-01T15:30:00,2.10,100,France
        500005,C3,GREEN JUG,5,2011-07-03T11:00:00,3.00,200,Germany
        C500006,A1,RED MUG,-3,2011-07-05T12:00:00,2.10,100,France
        """;

    /// <summary>Counts the blobs read through it: a test's window on what the mirror fetches.</summary>
    private sealed class CountingBlobStore(IBlobStore inner) : IBlobStore
    {
        public int Reads;
        public string Adapter => inner.Adapter;
        public Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default) => inner.CheckHealthAsync(cancellationToken);
        public async Task<IBlobContainer> GetContainerAsync(string name, CancellationToken cancellationToken = default) =>
            new Counting(await inner.GetContainerAsync(name, cancellationToken), this);

        private sealed class Counting(IBlobContainer inner, CountingBlobStore owner) : IBlobContainer
        {
            public string Name => inner.Name;
            public Task<BlobContent?> GetAsync(string blobName, CancellationToken cancellationToken = default)
            {
                Interlocked.Increment(ref owner.Reads);
                return inner.GetAsync(blobName, cancellationToken);
            }
            public Task<BlobProperties> PutAsync(string blobName, ReadOnlyMemory<byte> content, BlobPutOptions? options = null, CancellationToken cancellationToken = default) =>
                inner.PutAsync(blobName, content, options, cancellationToken);
            public IAsyncEnumerable<BlobProperties> ListAsync(string? prefix = null, CancellationToken cancellationToken = default) => inner.ListAsync(prefix, cancellationToken);
            public Task<bool> DeleteAsync(string blobName, string? ifMatch = null, CancellationToken cancellationToken = default) => inner.DeleteAsync(blobName, ifMatch, cancellationToken);
        }
    }

    [Fact]
    public async Task A_reader_elsewhere_mirrors_the_lake_once_and_then_fetches_only_new_files()
    {
        var container = $"lake{Guid.NewGuid():N}"[..20];
        var azure = new AzureBlobStore(AzureStorageAccount.FromConnectionString(azurite.ConnectionString));
        using var writer = new LakeStack(azure, lakeContainer: container);
        var report = await writer.Importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(Csv)));
        Assert.Equal(3, report.Lake.Orders);
        Assert.False(writer.Lake.IsLocal);

        using var cache = new TempDirectory("lake-mirror");
        var counting = new CountingBlobStore(azure);
        var reader = new global::Commerce.Analytics.Lake.Lake(counting, new LakeOptions(cache.Path, container));
        var files = (await writer.LakeFilesAsync()).Count;

        async Task<(long Events, long Lines)> CountAsync()
        {
            await using var session = await reader.OpenAsync();
            using var events = session.Command("SELECT count(*) FROM events");
            using var lines = session.Command("SELECT CAST(sum(quantity) AS BIGINT) FROM order_lines");
            return (Convert.ToInt64(events.ExecuteScalar()), Convert.ToInt64(lines.ExecuteScalar()));
        }

        Assert.Equal((10, 12), await CountAsync());
        Assert.Equal(files, counting.Reads);
        Assert.Equal((10, 12), await CountAsync());
        Assert.Equal(files, counting.Reads);

        var now = DateTimeOffset.UtcNow;
        await writer.Inbox.AppendAsync([new BehaviourEvent("v1", BehaviourEventTypes.ProductViewed, now, "100", null) { Sku = "A1", ReceivedAt = now }], now);
        await writer.Compactor.RunAsync(TimeSpan.FromMinutes(1));
        Assert.Equal((11, 12), await CountAsync());
        Assert.Equal(files + 1, counting.Reads);
    }
}
