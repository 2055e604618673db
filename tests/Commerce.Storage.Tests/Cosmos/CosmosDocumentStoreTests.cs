using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Commerce.Storage.Documents;
using Commerce.Storage.Documents.Cosmos;
using Commerce.Storage.Tests.Contracts;
using Commerce.Testing;
using Commerce.Testing.Emulators;
using Microsoft.Azure.Cosmos;

namespace Commerce.Storage.Tests.Cosmos;

public sealed class CosmosDocumentStoreTests(CosmosDbServerFixture cosmos) : DocumentStoreContract, IClassFixture<CosmosDbServerFixture>, IDisposable
{
    private readonly CosmosDocumentStore _store = new(CosmosDocumentStoreOptions.FromConnectionString(cosmos.ConnectionString) with
    {
        AcceptAnyServerCertificate = true,
        LimitToEndpoint = true,
    });

    protected override IDocumentStore Store => _store;

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task Documents_are_stored_in_cosmos_as_id_pk_and_data()
    {
        var container = await Store.GetContainerAsync("shape");
        var id = Guid.NewGuid().ToString("N");
        await container.CreateAsync("p1", id, JsonSerializer.SerializeToUtf8Bytes(new { name = "Lamp", id = "body-id", pk = "body-pk" }));

        using var client = RawClient();
        using var response = await client.GetContainer("commerce", "shape").ReadItemStreamAsync(id, new PartitionKey("p1"));
        var item = (await JsonNode.ParseAsync(response.Content))!.AsObject();

        Assert.Equal(id, (string?)item["id"]);
        Assert.Equal("p1", (string?)item["pk"]);
        Assert.Equal("""{"name":"Lamp","id":"body-id","pk":"body-pk"}""", item["data"]!.ToJsonString());
        Assert.Equal(["id", "pk", "data"], item.Select(p => p.Key).Where(k => !k.StartsWith('_')));
        var stored = await container.ReadAsync("p1", id);
        Assert.Equal("body-id", (string?)JsonNode.Parse(stored!.Json.Span)!["id"]);
        Assert.Equal(response.Headers.ETag, stored.ETag);
    }

    [Fact]
    public async Task Filter_values_compare_as_they_are_serialised_and_fields_may_be_named_like_sql_keywords()
    {
        var container = await Store.GetContainerAsync($"k{Guid.NewGuid():N}"[..20]);
        await container.CreateAsync("p", "a", DocumentJson.Serialize(new { value = 1, order = FilterOperator.GreaterThan, at = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero) }));
        await container.CreateAsync("p", "b", DocumentJson.Serialize(new { value = 2, order = FilterOperator.StartsWith, at = new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero) }));

        var page = await container.QueryAsync("p", DocumentQuery.All
            .Where("order", FilterOperator.GreaterThan)
            .Where("at", FilterOperator.LessThan, new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero)) with { OrderBy = "value" });

        Assert.Equal(["a"], page.Items.Select(d => d.Id));
    }

    [Fact]
    public async Task Filters_that_cannot_mean_anything_are_rejected()
    {
        var container = await Store.GetContainerAsync("rejects");
        await Assert.ThrowsAsync<ArgumentException>(() => container.QueryAsync("p", DocumentQuery.All.Where("n", FilterOperator.GreaterThan, null)));
        await Assert.ThrowsAsync<ArgumentException>(() => container.QueryAsync("p", DocumentQuery.All.Where("n", FilterOperator.StartsWith, 12)));
        await Assert.ThrowsAsync<ArgumentException>(() => container.QueryAsync("p", DocumentQuery.All.Where("n", new { nested = 1 })));
    }

    [Fact]
    public async Task Keys_longer_than_255_characters_or_with_control_characters_are_rejected()
    {
        var container = await Store.GetContainerAsync("keys");
        var body = JsonSerializer.SerializeToUtf8Bytes(new { v = 1 });
        await container.UpsertAsync("p", new string('x', 255), body);

        var tooLong = await Assert.ThrowsAsync<ArgumentException>(() => container.UpsertAsync("p", new string('x', 256), body));
        Assert.Equal("id", tooLong.ParamName);
        var control = await Assert.ThrowsAsync<ArgumentException>(() => container.UpsertAsync("p\n1", "d", body));
        Assert.Equal("partitionKey", control.ParamName);
        await Assert.ThrowsAsync<ArgumentException>(() => container.ReadAsync("p", "a#b"));
    }

    [Fact]
    public void A_connection_string_gives_the_endpoint_and_key()
    {
        var options = CosmosDocumentStoreOptions.FromConnectionString("AccountEndpoint=https://shop.documents.azure.com:443/;AccountKey=c2VjcmV0LWtleS1ieXRlcw==;");

        Assert.Equal(new Uri("https://shop.documents.azure.com:443/"), options.Endpoint);
        Assert.Equal("c2VjcmV0LWtleS1ieXRlcw==", options.AccountKey);
        Assert.Equal("commerce", options.DatabaseName);
        Assert.False(options.AcceptAnyServerCertificate);
        Assert.False(options.LimitToEndpoint);
        Assert.DoesNotContain("c2VjcmV0", options.ToString());
    }

    [Fact]
    public void An_emulator_connection_string_turns_off_certificate_checks_and_region_discovery()
    {
        var options = CosmosDocumentStoreOptions.FromConnectionString(cosmos.ConnectionString + "DisableServerCertificateValidation=True;");

        Assert.True(options.AcceptAnyServerCertificate);
        Assert.True(options.LimitToEndpoint);
    }

    [Theory]
    [InlineData("AccountKey=c2VjcmV0LWtleS1ieXRlcw==;", "AccountEndpoint")]
    [InlineData("AccountEndpoint=https://shop.documents.azure.com:443/;", "AccountKey")]
    [InlineData("AccountEndpoint=shop;AccountKey=c2VjcmV0LWtleS1ieXRlcw==;", "not an http(s) URL")]
    [InlineData("AccountEndpoint=https://shop.documents.azure.com:443/;AccountKey=c2VjcmV0LWtleS1ieXRlcw==;DisableServerCertificateValidation=maybe", "DisableServerCertificateValidation")]
    [InlineData("AccountEndpoint=https://shop.documents.azure.com:443/;AccountKey='c2VjcmV0LWtleS1ieXRlcw==", "malformed")]
    public void A_bad_connection_string_is_rejected_without_showing_the_key(string connectionString, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => CosmosDocumentStoreOptions.FromConnectionString(connectionString));

        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("c2VjcmV0", error.Message);
    }

    [Fact]
    public void A_key_that_is_not_base64_is_rejected_without_showing_it()
    {
        var options = CosmosDocumentStoreOptions.FromConnectionString("AccountEndpoint=https://shop.documents.azure.com:443/;AccountKey=not*a*key;");

        var error = Assert.Throws<ArgumentException>(() => new CosmosDocumentStore(options));
        Assert.DoesNotContain("not*a*key", error.Message);
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_reported_quickly_as_not_ready_and_unavailable()
    {
        using var store = new CosmosDocumentStore(new CosmosDocumentStoreOptions
        {
            Endpoint = new Uri($"https://127.0.0.1:{FreePort.Next()}/"),
            AccountKey = CosmosDbServerFixture.AccountKey,
            AcceptAnyServerCertificate = true,
            LimitToEndpoint = true,
            ConnectTimeout = TimeSpan.FromSeconds(3),
        });
        var clock = Stopwatch.StartNew();

        var health = await store.CheckHealthAsync();
        Assert.False(health.Ready);
        Assert.Equal("documents", health.Store);
        Assert.Equal("cosmos", health.Adapter);
        Assert.Contains("127.0.0.1", health.Detail);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.InitializeAsync());
        Assert.Contains("127.0.0.1", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain(CosmosDbServerFixture.AccountKey, error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_emulator_certificate_is_trusted_only_when_the_caller_opts_in()
    {
        using var store = new CosmosDocumentStore(CosmosDocumentStoreOptions.FromConnectionString(cosmos.ConnectionString) with { LimitToEndpoint = true });

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.InitializeAsync());
        Assert.Contains("SSL", error.Message);
        Assert.False((await store.CheckHealthAsync()).Ready);
    }

    [Fact]
    public async Task A_container_partitioned_on_another_path_is_refused()
    {
        await _store.InitializeAsync();
        using var client = RawClient();
        await client.GetDatabase("commerce").CreateContainerIfNotExistsAsync("foreign", "/tenant");

        var error = await Assert.ThrowsAsync<DocumentStoreException>(() => Store.GetContainerAsync("foreign"));
        Assert.Contains("/tenant", error.Message);
    }

    private CosmosClient RawClient() => new(cosmos.ConnectionString, new CosmosClientOptions
    {
        ConnectionMode = ConnectionMode.Gateway,
        LimitToEndpoint = true,
        ServerCertificateCustomValidationCallback = (_, _, _) => true,
    });
}
