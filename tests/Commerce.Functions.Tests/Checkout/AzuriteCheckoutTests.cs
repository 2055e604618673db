using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Catalog.DemoData;
using Commerce.Catalog.Inventory;
using Commerce.Hosting.Auth;
using Commerce.Storage.AzureStorage;
using Commerce.Testing;
using Commerce.Testing.Emulators;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>The developer flow on the azurite preset: blobs and queues in a real Azurite through the SDK adapters, documents in SQLite.</summary>
public sealed class AzuriteCheckoutTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    [Fact]
    public async Task An_empty_store_starts_as_the_demo_shop_and_a_cart_checks_out_to_completion()
    {
        await using var app = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string>
        {
            ["Storage:Preset"] = "azurite",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Fulfilment:Mode"] = "auto",
            ["Queues:MaxPollingInterval"] = "00:00:00.200",
        });

        var health = (await app.Client.GetFromJsonAsync<JsonObject>("/api/health"))!;
        var adapters = health["stores"]!.AsArray().ToDictionary(s => (string)s!["store"]!, s => (string)s!["adapter"]!);
        Assert.Equal(("sqlite", "azure-blob", "azure-queue"), (adapters["documents"], adapters["blobs"], adapters["queues"]));
        var listing = (await app.Client.GetFromJsonAsync<JsonObject>("/api/products?category=home&inStock=true&pageSize=5"))!;
        var sku = (string)listing["items"]!.AsArray()[0]!["sku"]!;
        Assert.Equal(DemoShop.ProductCount, await app.Services.GetRequiredService<Commerce.Catalog.Products.ProductCatalog>().CountAsync());
        var inventory = app.Services.GetRequiredService<InventoryService>();
        var before = (await inventory.GetAsync(sku))!;

        using var buyer = app.ClientFor(DemoShop.ConsumerCustomer, Roles.Customer);
        var added = await buyer.PutAsJsonAsync($"/api/cart/items/{sku}", new { quantity = 2 });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var checkout = await Shop.CheckoutAsync(buyer, new { paymentMethod = "pm_card_visa" });
        Assert.Equal(HttpStatusCode.Accepted, checkout.StatusCode);
        var order = await Shop.WaitForStatusAsync(buyer, (string)(await checkout.Content.ReadFromJsonAsync<JsonObject>())!["id"]!, "Completed", "Cancelled");

        Assert.Equal("Completed", (string?)order["status"]);
        Assert.Equal(2, order["lines"]!.AsArray().Sum(l => (int)l!["quantity"]!));
        var after = (await inventory.GetAsync(sku))!;
        Assert.Equal((before.OnHand - 2, before.Reserved), (after.OnHand, after.Reserved));
        // The lifecycle's messages went through Azurite's queues, not an embedded store.
        var queues = new List<string>();
        await foreach (var queue in AzureStorageAccount.FromConnectionString(azurite.ConnectionString).Queues.GetQueuesAsync())
            queues.Add(queue.Name);
        Assert.NotEmpty(queues);
    }
}
