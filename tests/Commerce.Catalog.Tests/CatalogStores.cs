using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;

namespace Commerce.Catalog.Tests;

/// <summary>A real SQLite document store in a temporary folder.</summary>
public sealed class CatalogStores : IDisposable
{
    private readonly TempDirectory _folder = new("catalog");
    private readonly SqliteDatabase _database;

    public CatalogStores()
    {
        _database = new SqliteDatabase(Path.Combine(_folder.Path, "documents.db"));
        Documents = new SqliteDocumentStore(_database);
    }

    public SqliteDocumentStore Documents { get; }

    public void Dispose()
    {
        _database.Dispose();
        _folder.Dispose();
    }
}
