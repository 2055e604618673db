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
}
