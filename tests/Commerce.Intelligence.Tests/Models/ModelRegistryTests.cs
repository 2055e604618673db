using Commerce.Storage.AzureStorage;
using Commerce.Storage.Blobs;
using Commerce.Storage.Blobs.Azure;
using Commerce.Storage.Blobs.Folder;
using Commerce.Testing;
using Commerce.Testing.Emulators;

namespace Commerce.Intelligence.Tests.Models;

public sealed class FolderModelRegistryTests : ModelRegistryContract
{
    private readonly TempDirectory _folder = new("models");
    private readonly FolderBlobStore _store;

    public FolderModelRegistryTests() => _store = new FolderBlobStore(_folder.Path);

    protected override IBlobStore Store => _store;

    public override void Dispose()
    {
        _folder.Dispose();
        base.Dispose();
    }
}

public sealed class AzuriteModelRegistryTests(AzuriteFixture azurite) : ModelRegistryContract, IClassFixture<AzuriteFixture>
{
    private readonly AzureBlobStore _store = new(AzureStorageAccount.FromConnectionString(azurite.ConnectionString));

    protected override IBlobStore Store => _store;
}
