using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Testing;
using Commerce.Testing.Emulators;

namespace Commerce.Functions.Tests.Host;

public sealed class StoragePresetTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task The_azurite_preset_serves_blobs_and_queues_from_azurite_and_documents_from_sqlite()
    {
        using var data = new TempDirectory();
        var port = FreePort.Next();
        await using var app = AppProcess.Start(["--urls", $"http://127.0.0.1:{port}", "--preset", "azurite"], new Dictionary<string, string?>
        {
            ["Storage__DataDirectory"] = data.Path,
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
        });

        var response = await app.WaitForSuccessAsync($"http://127.0.0.1:{port}/api/health", TimeSpan.FromSeconds(60));

        var health = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("azurite", (string?)health["preset"]);
        var adapters = health["stores"]!.AsArray().ToDictionary(s => (string)s!["store"]!, s => (string)s!["adapter"]!);
        Assert.Equal("sqlite", adapters["documents"]);
        Assert.Equal("azure-blob", adapters["blobs"]);
        Assert.Equal("azure-queue", adapters["queues"]);
    }

    [Fact]
    public async Task An_unreachable_azurite_stops_start_up_with_one_line_naming_the_endpoint()
    {
        using var data = new TempDirectory();
        var closed = FreePort.Next();
        var connection = $"DefaultEndpointsProtocol=http;AccountName={AzuriteFixture.AccountName};AccountKey={AzuriteFixture.AccountKey};BlobEndpoint=http://127.0.0.1:{closed}/{AzuriteFixture.AccountName};QueueEndpoint=http://127.0.0.1:{closed}/{AzuriteFixture.AccountName};";
        await using var app = AppProcess.Start(["--urls", $"http://127.0.0.1:{FreePort.Next()}", "--preset", "azurite"], new Dictionary<string, string?>
        {
            ["Storage__DataDirectory"] = data.Path,
            ["AzureWebJobsStorage"] = connection,
        });

        Assert.Equal(3, await app.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        var line = Assert.Single(app.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"127.0.0.1:{closed}", line);
        Assert.DoesNotContain(AzuriteFixture.AccountKey, app.StandardOutput + app.StandardError);
    }

    [Fact]
    public async Task An_unreachable_cosmos_db_stops_start_up_with_one_line_naming_it()
    {
        using var data = new TempDirectory();
        var closed = FreePort.Next();
        await using var app = AppProcess.Start(["--urls", $"http://127.0.0.1:{FreePort.Next()}", "--preset", "azure"], new Dictionary<string, string?>
        {
            ["Storage__DataDirectory"] = data.Path,
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["CosmosDb"] = $"AccountEndpoint=https://127.0.0.1:{closed}/;AccountKey={CosmosDbServerFixture.AccountKey};",
            ["COSMOS_DISABLE_IMDS_ACCESS"] = "true",
        });

        Assert.Equal(3, await app.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        var line = Assert.Single(app.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("The documents store (cosmos) is not available", line);
        Assert.Contains($"127.0.0.1:{closed}", line);
        Assert.DoesNotContain(CosmosDbServerFixture.AccountKey, app.StandardOutput + app.StandardError);
    }

    [Fact]
    public async Task A_malformed_storage_connection_string_is_a_setting_error()
    {
        using var data = new TempDirectory();
        await using var app = AppProcess.Start(["--urls", $"http://127.0.0.1:{FreePort.Next()}", "--preset", "azure"], new Dictionary<string, string?>
        {
            ["Storage__DataDirectory"] = data.Path,
            ["AzureWebJobsStorage"] = "this is not a connection string",
            ["CosmosDb"] = "AccountEndpoint=https://127.0.0.1:1/;AccountKey=" + CosmosDbServerFixture.AccountKey + ";",
        });

        Assert.Equal(2, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var line = Assert.Single(app.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Invalid setting AzureWebJobsStorage:", line);
    }
}
