using System.Diagnostics;
using Azure;
using Commerce.Storage.AzureStorage;
using Commerce.Storage.Blobs.Azure;
using Commerce.Storage.Queues.Azure;
using Commerce.Testing;
using Commerce.Testing.Emulators;

namespace Commerce.Storage.Tests.Azure;

public sealed class AzuriteConnectionTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string SomeKey = "c29tZS1rZXktdGhhdC1pcy1ub3QtcmVhbC1hdC1hbGwtMDEyMzQ1Njc4OQ==";

    [Fact]
    public async Task The_right_key_is_accepted_by_both_services()
    {
        var account = AzureStorageAccount.FromConnectionString(azurite.ConnectionString);

        var blobs = await new AzureBlobStore(account).CheckHealthAsync();
        var queues = await new AzureQueueStore(account).CheckHealthAsync();

        Assert.True(blobs.Ready, blobs.Detail);
        Assert.True(queues.Ready, queues.Detail);
        Assert.Equal(("blobs", "azure-blob"), (blobs.Store, blobs.Adapter));
        Assert.Equal(("queues", "azure-queue"), (queues.Store, queues.Adapter));
        Assert.Equal(azurite.BlobEndpoint.ToString(), blobs.Detail);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_by_azurite_with_403_and_health_says_so_in_one_line()
    {
        var wrong = AzureStorageAccount.FromConnectionString(azurite.ConnectionString.Replace(AzuriteFixture.AccountKey, SomeKey, StringComparison.Ordinal));
        var store = new AzureBlobStore(wrong);

        var failure = await Assert.ThrowsAsync<RequestFailedException>(() => store.GetContainerAsync("signed"));
        var health = await new AzureQueueStore(wrong).CheckHealthAsync();

        Assert.Equal(403, failure.Status);
        Assert.NotNull(failure.ErrorCode);
        Assert.False(health.Ready);
        Assert.Contains("answered 403", health.Detail);
        Assert.Contains("Storage Queue Data Contributor", health.Detail);
        Assert.DoesNotContain('\n', health.Detail!);
        Assert.DoesNotContain(SomeKey, health.Detail);
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_within_seconds_naming_the_endpoint()
    {
        var blobPort = FreePort.Next();
        var queuePort = FreePort.Next();
        var account = AzureStorageAccount.FromConnectionString(
            $"DefaultEndpointsProtocol=http;AccountName={AzuriteFixture.AccountName};AccountKey={AzuriteFixture.AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blobPort}/{AzuriteFixture.AccountName};QueueEndpoint=http://127.0.0.1:{queuePort}/{AzuriteFixture.AccountName};");
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(() => new AzureBlobStore(account).GetContainerAsync("models"));
        var health = await new AzureQueueStore(account).CheckHealthAsync();

        Assert.Contains($"127.0.0.1:{blobPort}", failure.Message);
        Assert.Contains("could not be reached", failure.Message);
        Assert.DoesNotContain('\n', failure.Message);
        Assert.False(health.Ready);
        Assert.Contains($"127.0.0.1:{queuePort}", health.Detail);
        Assert.Contains("could not be reached", health.Detail);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20));
    }
}
