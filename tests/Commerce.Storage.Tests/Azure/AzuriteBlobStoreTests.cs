using System.Text;
using Commerce.Storage.AzureStorage;
using Commerce.Storage.Blobs;
using Commerce.Storage.Blobs.Azure;
using Commerce.Storage.Tests.Contracts;
using Commerce.Testing.Emulators;

namespace Commerce.Storage.Tests.Azure;

public sealed class AzuriteBlobStoreTests(AzuriteFixture azurite) : BlobStoreContract, IClassFixture<AzuriteFixture>
{
    private readonly AzureBlobStore _store = new(AzureStorageAccount.FromConnectionString(azurite.ConnectionString));

    protected override IBlobStore Store => _store;

    private Task<IBlobContainer> NewContainerAsync(AzureBlobStore store) => store.GetContainerAsync($"b{Guid.NewGuid():N}"[..24]);

    [Fact]
    public async Task Blobs_above_the_single_upload_limit_go_up_in_blocks_and_keep_conditions_and_content_type()
    {
        var store = new AzureBlobStore(AzureStorageAccount.FromConnectionString(azurite.ConnectionString, new AzureStorageClientOptions
        {
            BlobSingleUploadLimit = 256 * 1024,
            BlobBlockSize = 100 * 1024,
            BlobUploadConcurrency = 3,
        }));
        var container = await NewContainerAsync(store);
        var content = new byte[1024 * 1024 + 5];
        new Random(7).NextBytes(content);

        var put = await container.PutAsync("models/big.bin", content, BlobPutOptions.CreateOnly("application/x-model"));
        await Assert.ThrowsAsync<BlobPreconditionFailedException>(() => container.PutAsync("models/big.bin", content, BlobPutOptions.CreateOnly()));
        await Assert.ThrowsAsync<BlobPreconditionFailedException>(() => container.PutAsync("models/big.bin", content, new BlobPutOptions(IfMatch: "\"0x0\"")));
        var got = await container.GetAsync("models/big.bin");

        Assert.NotNull(got);
        Assert.Equal(content, got.Content.ToArray());
        Assert.Equal(put.ETag, got.Properties.ETag);
        Assert.Equal("application/x-model", got.Properties.ContentType);
        Assert.Equal(content.Length, got.Properties.Length);
    }

    [Fact]
    public async Task Listing_follows_continuation_markers_and_reports_the_same_etag_as_put()
    {
        var store = new AzureBlobStore(AzureStorageAccount.FromConnectionString(azurite.ConnectionString, new AzureStorageClientOptions { ListPageSize = 2 }));
        var container = await NewContainerAsync(store);
        var puts = new Dictionary<string, BlobProperties>();
        foreach (var name in new[] { "e", "c", "a", "d", "b" })
            puts[name] = await container.PutAsync(name, Encoding.UTF8.GetBytes(name), new BlobPutOptions("text/plain"));

        var listed = new List<BlobProperties>();
        await foreach (var blob in container.ListAsync())
            listed.Add(blob);

        Assert.Equal(["a", "b", "c", "d", "e"], listed.Select(b => b.Name));
        Assert.All(listed, blob => Assert.Equal(puts[blob.Name].ETag, blob.ETag));
        Assert.All(listed, blob => Assert.Equal("text/plain", blob.ContentType));
    }

    [Fact]
    public async Task Names_with_spaces_and_reserved_characters_round_trip()
    {
        var container = await NewContainerAsync(_store);
        const string name = "exports/2024 Q1/ü+%#?&=.csv";
        await container.PutAsync(name, Encoding.UTF8.GetBytes("x"));

        Assert.Equal("x", Encoding.UTF8.GetString((await container.GetAsync(name))!.Content.Span));
        var listed = new List<string>();
        await foreach (var blob in container.ListAsync("exports/2024 Q1/"))
            listed.Add(blob.Name);
        Assert.Equal([name], listed);
        Assert.True(await container.DeleteAsync(name));
    }
}
