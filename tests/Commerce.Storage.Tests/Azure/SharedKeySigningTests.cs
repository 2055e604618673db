using System.Diagnostics;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Commerce.Storage.AzureStorage;
using Commerce.Storage.Blobs.Azure;
using Commerce.Storage.Queues.Azure;
using Commerce.Testing;
using Commerce.Testing.Emulators;
using Microsoft.Extensions.Configuration;

namespace Commerce.Storage.Tests.Azure;

public sealed class SharedKeySigningTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    /// <summary>Any valid base64 will do for parsing; it is deliberately not the Azurite key.</summary>
    private const string SomeKey = "c29tZS1rZXktdGhhdC1pcy1ub3QtcmVhbC1hdC1hbGwtMDEyMzQ1Njc4OQ==";

    private static Request NewRequest(RequestMethod method, string uri)
    {
        var request = HttpClientTransport.Shared.CreateRequest();
        request.Method = method;
        request.Uri.Reset(new Uri(uri));
        return request;
    }

    [Fact]
    public void The_string_to_sign_matches_the_documented_example()
    {
        // The example in "Authorize with Shared Key" (Azure Storage REST reference).
        var request = NewRequest(RequestMethod.Get, "https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata&timeout=20");
        request.Headers.SetValue("x-ms-date", "Fri, 26 Jun 2015 23:39:12 GMT");
        request.Headers.SetValue("x-ms-version", "2015-02-21");

        Assert.Equal(
            "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2015-02-21\n/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20",
            StorageSharedKeyPolicy.StringToSign(request, "myaccount"));
    }

    [Fact]
    public void A_path_style_write_signs_length_type_conditions_sorted_headers_and_decoded_sorted_query()
    {
        var request = NewRequest(RequestMethod.Put, "http://127.0.0.1:10000/devstoreaccount1/models/recs%2Fv1/a%20b?Comp=block&blockid=YWJj%2Bx%2F%3D%3D&tag=b&tag=a");
        request.Content = RequestContent.Create(Encoding.UTF8.GetBytes("hello"));
        request.Headers.SetValue("Content-Type", "text/plain");
        request.Headers.SetValue("If-None-Match", "*");
        request.Headers.SetValue("x-ms-version", "2025-05-05");
        request.Headers.SetValue("X-MS-Blob-Type", "BlockBlob");
        request.Headers.SetValue("x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT");
        request.Headers.SetValue("x-ms-blob-content-type", "  text/plain; charset=utf-8 ");
        request.Headers.SetValue("User-Agent", "not signed");

        Assert.Equal(
            "PUT\n\n\n5\n\ntext/plain\n\n\n\n*\n\n\n"
            + "x-ms-blob-content-type:text/plain; charset=utf-8\nx-ms-blob-type:BlockBlob\nx-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\nx-ms-version:2025-05-05\n"
            + "/devstoreaccount1/devstoreaccount1/models/recs%2Fv1/a%20b\nblockid:YWJj+x/==\ncomp:block\ntag:a,b",
            StorageSharedKeyPolicy.StringToSign(request, "devstoreaccount1"));
    }

    [Fact]
    public void An_empty_body_signs_an_empty_content_length()
    {
        var request = NewRequest(RequestMethod.Put, "https://acct.blob.core.windows.net/c/empty");
        request.Content = RequestContent.Create(ReadOnlyMemory<byte>.Empty);

        Assert.StartsWith("PUT\n\n\n\n", StorageSharedKeyPolicy.StringToSign(request, "acct"));
    }

    [Fact]
    public async Task A_wrong_key_is_refused_by_azurite_with_403_and_health_says_so()
    {
        var wrong = AzureStorageConnection.Parse(azurite.ConnectionString) with { AccountKey = SomeKey };
        var store = new AzureBlobStore(wrong);

        var failure = await Assert.ThrowsAsync<RequestFailedException>(() => store.GetContainerAsync("signed"));
        var health = await store.CheckHealthAsync();

        Assert.Equal(403, failure.Status);
        Assert.NotNull(failure.ErrorCode);
        Assert.False(health.Ready);
        Assert.Contains("403", health.Detail);
        Assert.DoesNotContain(SomeKey, health.Detail);
    }

    [Fact]
    public async Task The_right_key_is_accepted_by_both_services()
    {
        var connection = AzureStorageConnection.Parse(azurite.ConnectionString);

        var blobs = await new AzureBlobStore(connection).CheckHealthAsync();
        var queues = await new AzureQueueStore(connection).CheckHealthAsync();

        Assert.True(blobs.Ready, blobs.Detail);
        Assert.True(queues.Ready, queues.Detail);
        Assert.Equal(("blobs", "azure-blob"), (blobs.Store, blobs.Adapter));
        Assert.Equal(("queues", "azure-queue"), (queues.Store, queues.Adapter));
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_within_seconds_naming_the_endpoint()
    {
        var port = FreePort.Next();
        var connection = AzureStorageConnection.Development with
        {
            BlobEndpoint = new Uri($"http://127.0.0.1:{port}/devstoreaccount1"),
            QueueEndpoint = new Uri($"http://127.0.0.1:{FreePort.Next()}/devstoreaccount1"),
        };
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(() => new AzureBlobStore(connection).GetContainerAsync("models"));
        var health = await new AzureQueueStore(connection).CheckHealthAsync();

        Assert.Contains($"127.0.0.1:{port}", failure.Message);
        Assert.DoesNotContain('\n', failure.Message);
        Assert.False(health.Ready);
        Assert.Contains("could not be reached", health.Detail);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Development_storage_means_azurite_on_its_default_ports()
    {
        var connection = AzureStorageConnection.Parse("UseDevelopmentStorage=true");

        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), connection.BlobEndpoint);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), connection.QueueEndpoint);
        Assert.Equal("devstoreaccount1", connection.AccountName);
        Assert.Equal(AzuriteFixture.AccountKey, connection.AccountKey);
    }

    [Fact]
    public void A_full_connection_string_derives_endpoints_from_the_account_and_suffix()
    {
        var connection = AzureStorageConnection.Parse($"DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey={SomeKey};EndpointSuffix=core.chinacloudapi.cn");

        Assert.Equal(new Uri("https://shopdata.blob.core.chinacloudapi.cn"), connection.BlobEndpoint);
        Assert.Equal(new Uri("https://shopdata.queue.core.chinacloudapi.cn"), connection.QueueEndpoint);
        Assert.Equal(SomeKey, connection.AccountKey);
        Assert.Null(connection.Credential);
        Assert.DoesNotContain(SomeKey, connection.ToString());
    }

    [Fact]
    public void Explicit_endpoints_win_over_derived_ones()
    {
        var connection = AzureStorageConnection.Parse(azurite.ConnectionString);

        Assert.Equal(azurite.BlobEndpoint, connection.BlobEndpoint);
        Assert.Equal(azurite.QueueEndpoint, connection.QueueEndpoint);
        Assert.Equal(AzuriteFixture.AccountName, connection.AccountName);
    }

    [Theory]
    [InlineData("AccountName=shopdata;EndpointSuffix=core.windows.net", "no AccountKey")]
    [InlineData("AccountKey=" + SomeKey, "no AccountName")]
    [InlineData("AccountName=shopdata;AccountKey=secret-not-base64!", "not valid base64")]
    [InlineData("AccountName=Shop_Data;AccountKey=" + SomeKey, "AccountName")]
    [InlineData("AccountName=shopdata;AccountKey=" + SomeKey + ";BlobEndpoint=not a url", "BlobEndpoint")]
    [InlineData("AccountName=shopdata;AccountKey=" + SomeKey + ";DefaultEndpointsProtocol=ftp", "DefaultEndpointsProtocol")]
    [InlineData("AccountName=shopdata;SharedAccessSignature=sv=2020&sig=abc", "SharedAccessSignature")]
    [InlineData("AccountName='shopdata;AccountKey=secret-not-base64!", "malformed")]
    [InlineData("  ", "empty")]
    public void Bad_connection_strings_get_one_clear_line_without_the_key(string connectionString, string expected)
    {
        var failure = Assert.Throws<FormatException>(() => AzureStorageConnection.Parse(connectionString));

        Assert.Contains(expected, failure.Message);
        Assert.DoesNotContain("secret", failure.Message);
        Assert.DoesNotContain(SomeKey, failure.Message);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [Fact]
    public void A_connection_string_setting_is_read_from_configuration_and_named_in_errors()
    {
        var good = Configuration(("AzureWebJobsStorage", "UseDevelopmentStorage=true"));
        var bad = Configuration(("AzureWebJobsStorage", "AccountName=shopdata"));

        Assert.Equal(AzureStorageConnection.Development, AzureStorageConnection.FromConfiguration(good));
        Assert.StartsWith("Setting 'AzureWebJobsStorage' has no AccountKey", Assert.Throws<FormatException>(() => AzureStorageConnection.FromConfiguration(bad)).Message);
    }

    [Fact]
    public void Identity_based_settings_use_a_managed_identity_and_derive_https_endpoints()
    {
        var connection = AzureStorageConnection.FromConfiguration(Configuration(
            ("AzureWebJobsStorage:accountName", "shopdata"),
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001")));

        Assert.IsType<ManagedIdentityCredential>(connection.Credential);
        Assert.Null(connection.AccountKey);
        Assert.Equal(new Uri("https://shopdata.blob.core.windows.net"), connection.BlobEndpoint);
        Assert.Equal(new Uri("https://shopdata.queue.core.windows.net"), connection.QueueEndpoint);
        Assert.Equal(AzureBlobStore.AdapterName, new AzureBlobStore(connection).Adapter);
    }

    [Fact]
    public void Identity_based_service_uris_are_taken_as_given_and_default_to_the_developer_sign_in()
    {
        var connection = AzureStorageConnection.FromConfiguration(Configuration(
            ("Storage:blobServiceUri", "https://blobs.example.net/"),
            ("Storage:queueServiceUri", "https://queues.example.net/")), "Storage");

        Assert.IsType<DefaultAzureCredential>(connection.Credential);
        Assert.Equal(new Uri("https://blobs.example.net/"), connection.BlobEndpoint);
        Assert.Equal(new Uri("https://queues.example.net/"), connection.QueueEndpoint);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage:credential", "clientsecret", "AzureWebJobsStorage__credential")]
    [InlineData("AzureWebJobsStorage:blobServiceUri", "http://blobs.example.net", "AzureWebJobsStorage__blobServiceUri")]
    [InlineData("AzureWebJobsStorage:accountName", "Shop_Data", "AzureWebJobsStorage__accountName")]
    [InlineData("Unrelated", "x", "Setting 'AzureWebJobsStorage' is missing")]
    public void Bad_identity_based_settings_name_the_setting(string key, string value, string expected)
    {
        var settings = key.EndsWith("accountName", StringComparison.Ordinal) || key == "Unrelated"
            ? Configuration((key, value))
            : Configuration((key, value), ("AzureWebJobsStorage:accountName", "shopdata"));

        Assert.Contains(expected, Assert.Throws<ArgumentException>(() => AzureStorageConnection.FromConfiguration(settings)).Message);
    }

    [Fact]
    public void A_store_needs_its_own_endpoint_and_tokens_need_tls()
    {
        var blobOnly = new AzureStorageConnection { BlobEndpoint = new Uri("https://blobs.example.net"), AccountName = "shopdata", AccountKey = SomeKey };
        var tokenOverHttp = AzureStorageConnection.Development with { AccountKey = null, Credential = new DefaultAzureCredential() };

        Assert.Contains("no queue endpoint", Assert.Throws<ArgumentException>(() => new AzureQueueStore(blobOnly)).Message);
        Assert.Contains("not https", Assert.Throws<ArgumentException>(() => new AzureBlobStore(tokenOverHttp)).Message);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
}
