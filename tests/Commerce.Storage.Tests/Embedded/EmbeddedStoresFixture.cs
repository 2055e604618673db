using Commerce.Storage.Blobs.Folder;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Queues.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;

namespace Commerce.Storage.Tests.Embedded;

/// <summary>The embedded adapters on real files in a temporary folder.</summary>
public sealed class EmbeddedStoresFixture : IDisposable
{
    private readonly TempDirectory _folder = new("embedded-stores");
    private readonly SqliteDatabase _documents;
    private readonly SqliteDatabase _queues;

    public EmbeddedStoresFixture()
    {
        _documents = new SqliteDatabase(Path.Combine(_folder.Path, "documents.db"));
        _queues = new SqliteDatabase(Path.Combine(_folder.Path, "queues.db"));
        Documents = new SqliteDocumentStore(_documents);
        Queues = new SqliteQueueStore(_queues);
        Blobs = new FolderBlobStore(Path.Combine(_folder.Path, "blobs"));
    }

    public SqliteDocumentStore Documents { get; }
    public SqliteQueueStore Queues { get; }
    public FolderBlobStore Blobs { get; }

    public void Dispose()
    {
        _documents.Dispose();
        _queues.Dispose();
        _folder.Dispose();
    }
}
