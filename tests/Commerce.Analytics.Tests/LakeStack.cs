using Commerce.Analytics.History;
using Commerce.Analytics.Lake;
using Commerce.Catalog.Customers;
using Commerce.Catalog.Products;
using Commerce.Events.Behaviour;
using Commerce.Events.Outbox;
using Commerce.Orders.Orders;
using Commerce.Storage.Blobs;
using Commerce.Storage.Blobs.Folder;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commerce.Analytics.Tests;

/// <summary>The inbox, outbox, orders, lake and compactor wired as the app wires them, on SQLite and a folder (or the blob store given).</summary>
public sealed class LakeStack : IDisposable
{
    private readonly TempDirectory _folder = new("lake-stack");

    public LakeStack(IBlobStore? blobs = null, TimeProvider? time = null, string lakeContainer = Commerce.Analytics.Lake.Lake.DefaultContainer)
    {
        Time = time ?? TimeProvider.System;
        Database = new SqliteDatabase(Path.Combine(_folder.Path, "documents.db"));
        Documents = new SqliteDocumentStore(Database);
        Blobs = blobs ?? new FolderBlobStore(Path.Combine(_folder.Path, "blobs"));
        Outbox = new EventOutbox(Documents, new OutboxConsumers(OutboxConsumers.Lake));
        Inbox = new EventInbox(Documents);
        Orders = new OrderRepository(Documents, Outbox, Time);
        Customers = new CustomerService(Documents, Time);
        Catalog = new ProductCatalog(Documents, Time, new CatalogOptions());
        Lake = new global::Commerce.Analytics.Lake.Lake(Blobs, new LakeOptions(Path.Combine(_folder.Path, "lake-cache"), lakeContainer));
        Writer = new LakeWriter(Lake);
        Compactor = new LakeCompactor(Inbox, Outbox, Orders, Catalog, Writer, Documents, new CompactionOptions(), Time, NullLogger<LakeCompactor>.Instance);
        Importer = new HistoryImporter(Customers, Orders, Compactor, Lake, Time);
    }

    public TimeProvider Time { get; }
    public SqliteDatabase Database { get; }
    public SqliteDocumentStore Documents { get; }
    public IBlobStore Blobs { get; }
    public EventOutbox Outbox { get; }
    public EventInbox Inbox { get; }
    public OrderRepository Orders { get; }
    public CustomerService Customers { get; }
    public ProductCatalog Catalog { get; }
    public global::Commerce.Analytics.Lake.Lake Lake { get; }
    public LakeWriter Writer { get; }
    public LakeCompactor Compactor { get; }
    public HistoryImporter Importer { get; }

    /// <summary>A count (or other single value) from the lake's views.</summary>
    public async Task<long> ScalarAsync(string sql, params object?[] parameters)
    {
        await using var session = await Lake.OpenAsync();
        using var command = session.Command(sql, parameters);
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every blob of the lake with its ETag, to tell whether anything was written.</summary>
    public async Task<IReadOnlyList<string>> LakeFilesAsync()
    {
        var container = await Blobs.GetContainerAsync(Lake.Container);
        var files = new List<string>();
        await foreach (var blob in container.ListAsync())
            files.Add($"{blob.Name} {blob.ETag}");
        return files;
    }

    public void Dispose()
    {
        Database.Dispose();
        _folder.Dispose();
    }
}
