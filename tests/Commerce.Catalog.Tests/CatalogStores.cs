using Commerce.Catalog.Inventory;
using Commerce.Events.Outbox;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;

namespace Commerce.Catalog.Tests;

/// <summary>A real SQLite document store in a temporary folder, with the outbox kept in it.</summary>
public sealed class CatalogStores : IDisposable
{
    private readonly TempDirectory _folder = new("catalog");
    private readonly SqliteDatabase _database;

    public CatalogStores()
    {
        _database = new SqliteDatabase(Path.Combine(_folder.Path, "documents.db"));
        Documents = new SqliteDocumentStore(_database);
        Outbox = new EventOutbox(Documents, new OutboxConsumers(OutboxConsumers.Lake));
    }

    public SqliteDocumentStore Documents { get; }

    public EventOutbox Outbox { get; }

    public InventoryService Inventory(TimeProvider time, InventoryOptions? options = null) => new(Documents, Outbox, options ?? new InventoryOptions(), time);

    public void Dispose()
    {
        _database.Dispose();
        _folder.Dispose();
    }
}
