using System.Text;
using Commerce.Storage.Blobs;

namespace Commerce.Storage.Tests.Contracts;

/// <summary>The behaviour every blob adapter must show; one subclass per adapter runs it.</summary>
public abstract class BlobStoreContract
{
    protected abstract IBlobStore Store { get; }

    private Task<IBlobContainer> NewContainerAsync() => Store.GetContainerAsync($"t{Guid.NewGuid():N}"[..24]);

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Get_of_a_missing_blob_is_null()
    {
        var container = await NewContainerAsync();
        Assert.Null(await container.GetAsync("models/none.json"));
    }

    [Fact]
    public async Task Put_then_get_returns_content_type_length_and_etag()
    {
        var container = await NewContainerAsync();
        var put = await container.PutAsync("models/recs/v1/model.json", Bytes("{\"w\":[1,2]}"), new BlobPutOptions("application/json"));
        var got = await container.GetAsync("models/recs/v1/model.json");

        Assert.NotNull(got);
        Assert.Equal("{\"w\":[1,2]}", Encoding.UTF8.GetString(got.Content.Span));
        Assert.Equal("application/json", got.Properties.ContentType);
        Assert.Equal(11, got.Properties.Length);
        Assert.Equal(put.ETag, got.Properties.ETag);
        Assert.False(string.IsNullOrWhiteSpace(put.ETag));
        Assert.InRange(got.Properties.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
    }

    [Fact]
    public async Task Content_type_defaults_to_octet_stream_and_empty_blobs_work()
    {
        var container = await NewContainerAsync();
        await container.PutAsync("empty", ReadOnlyMemory<byte>.Empty);
        var got = await container.GetAsync("empty");

        Assert.Equal(0, got!.Content.Length);
        Assert.Equal("application/octet-stream", got.Properties.ContentType);
    }

    [Fact]
    public async Task Overwrite_changes_the_etag()
    {
        var container = await NewContainerAsync();
        var first = await container.PutAsync("a", Bytes("one"));
        var second = await container.PutAsync("a", Bytes("two"));

        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal("two", Encoding.UTF8.GetString((await container.GetAsync("a"))!.Content.Span));
    }

    [Fact]
    public async Task If_none_match_star_creates_only_once()
    {
        var container = await NewContainerAsync();
        await container.PutAsync("latest", Bytes("v1"), BlobPutOptions.CreateOnly());

        await Assert.ThrowsAsync<BlobPreconditionFailedException>(() => container.PutAsync("latest", Bytes("v2"), BlobPutOptions.CreateOnly()));
        Assert.Equal("v1", Encoding.UTF8.GetString((await container.GetAsync("latest"))!.Content.Span));
    }

    [Fact]
    public async Task If_match_writes_only_over_the_expected_version()
    {
        var container = await NewContainerAsync();
        var v1 = await container.PutAsync("latest", Bytes("v1"));
        var v2 = await container.PutAsync("latest", Bytes("v2"), new BlobPutOptions(IfMatch: v1.ETag));

        await Assert.ThrowsAsync<BlobPreconditionFailedException>(() => container.PutAsync("latest", Bytes("v3"), new BlobPutOptions(IfMatch: v1.ETag)));
        var got = await container.GetAsync("latest");
        Assert.Equal("v2", Encoding.UTF8.GetString(got!.Content.Span));
        Assert.Equal(v2.ETag, got.Properties.ETag);
    }

    [Fact]
    public async Task If_match_on_a_missing_blob_fails()
    {
        var container = await NewContainerAsync();
        var other = await container.PutAsync("other", Bytes("x"));

        await Assert.ThrowsAsync<BlobPreconditionFailedException>(() => container.PutAsync("missing", Bytes("v"), new BlobPutOptions(IfMatch: other.ETag)));
        Assert.Null(await container.GetAsync("missing"));
    }

    [Fact]
    public async Task Only_one_of_many_concurrent_conditional_writes_wins()
    {
        var container = await NewContainerAsync();
        var start = await container.PutAsync("pointer", Bytes("v0"));

        var outcomes = await Task.WhenAll(Enumerable.Range(1, 10).Select(async i =>
        {
            try
            {
                await container.PutAsync("pointer", Bytes($"v{i}"), new BlobPutOptions(IfMatch: start.ETag));
                return true;
            }
            catch (BlobPreconditionFailedException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(won => won));
    }

    [Fact]
    public async Task List_by_prefix_returns_matching_names_in_ordinal_order()
    {
        var container = await NewContainerAsync();
        foreach (var name in new[] { "models/recs/v2/model.json", "models/recs/v1/model.json", "models/churn/v1/model.json", "exports/a.csv", "models/recs/latest" })
            await container.PutAsync(name, Bytes(name));

        var recs = new List<string>();
        await foreach (var blob in container.ListAsync("models/recs/"))
            recs.Add(blob.Name);
        var all = new List<BlobProperties>();
        await foreach (var blob in container.ListAsync())
            all.Add(blob);

        Assert.Equal(["models/recs/latest", "models/recs/v1/model.json", "models/recs/v2/model.json"], recs);
        Assert.Equal(5, all.Count);
        Assert.Equal(all.Select(b => b.Name).Order(StringComparer.Ordinal), all.Select(b => b.Name));
        Assert.Equal("exports/a.csv".Length, all.Single(b => b.Name == "exports/a.csv").Length);
    }

    [Fact]
    public async Task Delete_reports_whether_there_was_a_blob_and_honours_if_match()
    {
        var container = await NewContainerAsync();
        var v1 = await container.PutAsync("a", Bytes("1"));
        var v2 = await container.PutAsync("a", Bytes("2"));

        await Assert.ThrowsAsync<BlobPreconditionFailedException>(() => container.DeleteAsync("a", v1.ETag));
        Assert.NotNull(await container.GetAsync("a"));
        Assert.True(await container.DeleteAsync("a", v2.ETag));
        Assert.Null(await container.GetAsync("a"));
        Assert.False(await container.DeleteAsync("a"));
    }

    [Fact]
    public async Task Megabytes_round_trip_byte_for_byte()
    {
        var container = await NewContainerAsync();
        var content = new byte[3 * 1024 * 1024 + 17];
        new Random(42).NextBytes(content);
        await container.PutAsync("big.bin", content);

        Assert.Equal(content, (await container.GetAsync("big.bin"))!.Content.ToArray());
    }

    [Fact]
    public async Task Bad_names_are_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.GetContainerAsync("Upper_Case"));
        var container = await NewContainerAsync();
        await Assert.ThrowsAsync<ArgumentException>(() => container.PutAsync("../escape", Bytes("x")));
        await Assert.ThrowsAsync<ArgumentException>(() => container.PutAsync("a//b", Bytes("x")));
    }

    [Fact]
    public async Task Health_reports_ready_with_the_adapter_name()
    {
        var health = await Store.CheckHealthAsync();

        Assert.True(health.Ready, health.Detail);
        Assert.Equal("blobs", health.Store);
        Assert.Equal(Store.Adapter, health.Adapter);
    }
}
