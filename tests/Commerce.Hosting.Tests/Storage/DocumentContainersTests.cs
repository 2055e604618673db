using Commerce.Hosting.Http.Idempotency;
using Commerce.Storage.Documents;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Hosting.Tests.Storage;

public sealed class DocumentContainersTests
{
    [Fact]
    public async Task The_apps_document_store_opens_declared_containers_and_refuses_any_other()
    {
        await using var app = await FunctionAppHarness.StartAsync(builder => builder.DocumentContainers.Add("declared-notes"));
        var documents = app.Services.GetRequiredService<IDocumentStore>();

        var declared = await documents.GetContainerAsync("declared-notes");
        await declared.UpsertAsync("p", "1", new { text = "kept" });
        var hosts = await documents.GetContainerAsync(IdempotencyStore.Container);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => documents.GetContainerAsync("undeclared-notes"));

        Assert.NotNull(await declared.ReadAsync("p", "1"));
        Assert.Equal(IdempotencyStore.Container, hosts.Name);
        Assert.Contains("'undeclared-notes' is not declared", error.Message);
    }

    [Fact]
    public void A_declared_name_must_be_a_valid_container_name()
    {
        Assert.Throws<ArgumentException>(() => new DocumentContainerCatalog().Add("Not_Valid"));
    }
}
