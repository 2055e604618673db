using Azure.Identity;
using Commerce.Storage.AzureStorage;
using Commerce.Testing.Emulators;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Storage.Tests.Azure;

/// <summary>Connections read as Azure Functions reads AzureWebJobsStorage; the token flow itself needs Azure and is not run here.</summary>
public sealed class AzureStorageAccountTests
{
    /// <summary>Any valid base64 will do for parsing; it is deliberately not the Azurite key.</summary>
    private const string SomeKey = "c29tZS1rZXktdGhhdC1pcy1ub3QtcmVhbC1hdC1hbGwtMDEyMzQ1Njc4OQ==";

    private static readonly AzureComponentFactory Components = CreateComponents();

    private static AzureComponentFactory CreateComponents()
    {
        var services = new ServiceCollection();
        services.AddAzureClientsCore();
        return services.BuildServiceProvider().GetRequiredService<AzureComponentFactory>();
    }

    [Fact]
    public void Development_storage_means_azurite_on_its_default_ports_with_its_account()
    {
        var account = AzureStorageAccount.FromConnectionString("UseDevelopmentStorage=true");

        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), account.Blobs.Uri);
        Assert.Equal(new Uri("http://127.0.0.1:10001/devstoreaccount1"), account.Queues.Uri);
        Assert.Equal(AzuriteFixture.AccountName, account.Blobs.AccountName);
        Assert.True(account.Blobs.CanGenerateAccountSasUri);
        Assert.Null(account.Credential);
    }

    [Fact]
    public void A_full_connection_string_derives_endpoints_from_the_account_and_suffix()
    {
        var account = AzureStorageAccount.FromConnectionString($"DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey={SomeKey};EndpointSuffix=core.chinacloudapi.cn");

        Assert.Equal(new Uri("https://shopdata.blob.core.chinacloudapi.cn/"), account.Blobs.Uri);
        Assert.Equal(new Uri("https://shopdata.queue.core.chinacloudapi.cn/"), account.Queues.Uri);
        Assert.Equal("shopdata", account.Queues.AccountName);
    }

    [Fact]
    public void A_connection_string_setting_wins_over_identity_sub_settings()
    {
        var account = AzureStorageAccount.FromConfiguration(Configuration(
            ("AzureWebJobsStorage", "UseDevelopmentStorage=true"),
            ("AzureWebJobsStorage:accountName", "shopdata")), "AzureWebJobsStorage", Components);

        Assert.Equal(new Uri("http://127.0.0.1:10000/devstoreaccount1"), account.Blobs.Uri);
        Assert.Null(account.Credential);
    }

    [Theory]
    [InlineData("AccountName=shopdata;AccountKey=secret-not-base64!")]
    [InlineData("this is not a connection string")]
    [InlineData("AccountName='shopdata;AccountKey=secret-not-base64!")]
    [InlineData("DefaultEndpointsProtocol=https;BlobEndpoint=not a url;AccountName=shopdata;AccountKey=" + SomeKey)]
    public void Bad_connection_strings_get_one_clear_line_without_the_key(string connectionString)
    {
        var failure = Assert.Throws<FormatException>(() => AzureStorageAccount.FromConnectionString(connectionString));

        Assert.Contains("connection string is malformed", failure.Message);
        Assert.DoesNotContain("secret", failure.Message);
        Assert.DoesNotContain(SomeKey, failure.Message);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [Fact]
    public void An_account_name_with_a_managed_identity_derives_https_endpoints_in_the_public_cloud()
    {
        var account = AzureStorageAccount.FromConfiguration(Configuration(
            ("AzureWebJobsStorage:accountName", "shopdata"),
            ("AzureWebJobsStorage:credential", "managedidentity"),
            ("AzureWebJobsStorage:clientId", "00000000-0000-0000-0000-000000000001")), "AzureWebJobsStorage", Components);

        Assert.IsType<ManagedIdentityCredential>(account.Credential);
        Assert.Equal(new Uri("https://shopdata.blob.core.windows.net/"), account.Blobs.Uri);
        Assert.Equal(new Uri("https://shopdata.queue.core.windows.net/"), account.Queues.Uri);
        Assert.Equal("shopdata", account.Blobs.AccountName);
        Assert.False(account.Blobs.CanGenerateAccountSasUri);
    }

    [Fact]
    public void Service_uris_are_taken_as_given_and_without_a_credential_setting_the_developer_sign_in_is_used()
    {
        var account = AzureStorageAccount.FromConfiguration(Configuration(
            ("Storage:blobServiceUri", "https://blobs.example.net/"),
            ("Storage:queueServiceUri", "https://queues.example.net/")), "Storage", Components);

        Assert.IsType<DefaultAzureCredential>(account.Credential);
        Assert.Equal(new Uri("https://blobs.example.net/"), account.Blobs.Uri);
        Assert.Equal(new Uri("https://queues.example.net/"), account.Queues.Uri);
    }

    [Fact]
    public void An_explicit_service_uri_wins_over_the_account_name()
    {
        var account = AzureStorageAccount.FromConfiguration(Configuration(
            ("AzureWebJobsStorage:accountName", "shopdata"),
            ("AzureWebJobsStorage:queueServiceUri", "https://shopdata-secondary.queue.core.windows.net"),
            ("AzureWebJobsStorage:credential", "managedidentity")), "AzureWebJobsStorage", Components);

        Assert.Equal(new Uri("https://shopdata.blob.core.windows.net/"), account.Blobs.Uri);
        Assert.Equal(new Uri("https://shopdata-secondary.queue.core.windows.net/"), account.Queues.Uri);
    }

    [Theory]
    [InlineData("AzureWebJobsStorage:blobServiceUri", "http://blobs.example.net", "'AzureWebJobsStorage__blobServiceUri' is 'http://blobs.example.net', not an https URL")]
    [InlineData("AzureWebJobsStorage:queueServiceUri", "https://q.example.net/?sv=2020&sig=abc", "'AzureWebJobsStorage__queueServiceUri'")]
    [InlineData("AzureWebJobsStorage:accountName", "Shop_Data", "'AzureWebJobsStorage__accountName' is 'Shop_Data', not a storage account name")]
    [InlineData("Unrelated", "x", "is missing: set a storage connection string, or 'AzureWebJobsStorage__accountName'")]
    public void Bad_identity_based_settings_name_the_sub_setting(string key, string value, string expected)
    {
        var failure = Assert.Throws<FormatException>(() => AzureStorageAccount.FromConfiguration(Configuration((key, value)), "AzureWebJobsStorage", Components));

        Assert.Contains(expected, failure.Message);
    }

    [Fact]
    public void One_service_uri_without_the_other_or_an_account_name_is_refused()
    {
        var failure = Assert.Throws<FormatException>(() => AzureStorageAccount.FromConfiguration(Configuration(
            ("AzureWebJobsStorage:blobServiceUri", "https://blobs.example.net")), "AzureWebJobsStorage", Components));

        Assert.Contains("no 'AzureWebJobsStorage__queueServiceUri'", failure.Message);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
}
