using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Testing.Emulators;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>Checkout on the Azure preset: catalog, stock, payments and orchestrations on cosmosdb-server and Azurite.</summary>
public sealed class AzureCheckoutTests(AzuriteFixture azurite, CosmosDbServerFixture cosmos) : IClassFixture<AzuriteFixture>, IClassFixture<CosmosDbServerFixture>
{
    [Fact]
    public async Task Orders_complete_or_cancel_on_cosmos_db_and_azure_storage_as_they_do_embedded()
    {
        await using var shop = await Shop.OpenAsync(new Dictionary<string, string>
        {
            ["Storage:Preset"] = "azure",
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["CosmosDb"] = cosmos.ConnectionString + "DisableServerCertificateValidation=true;",
            ["Storage:CosmosDatabase"] = $"shop{Guid.NewGuid():N}"[..20],
            // No Service Bus emulator runs here: the relay is configured as deployed but not run (it is tested on queues).
            ["IntegrationEvents:RelaySchedule"] = "0 0 0 1 1 *",
        });
        await shop.AddProductAsync("AZ-1", 4m, 10);
        using var client = shop.Customer("cloud-buyer");

        async Task<JsonObject> Buy(string method, int quantity)
        {
            var response = await Shop.CheckoutAsync(client, new { paymentMethod = method, lines = new[] { new { sku = "AZ-1", quantity } } });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            return await Shop.WaitForStatusAsync(client, (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!, "Completed", "Cancelled");
        }

        var paid = await Buy("pm_card_channelDown", 3);
        var declined = await Buy("pm_card_chargeDeclined", 2);
        var tooMany = await Buy("pm_card_visa", 8);

        Assert.Equal("Completed", (string?)paid["status"]);
        Assert.Equal(["sandbox-a", "sandbox-b", "sandbox-b"], paid["payments"]!.AsArray().Select(p => (string)p!["channel"]!));
        Assert.Equal("payment_declined", (string?)declined["cancellationReason"]);
        Assert.Equal("out_of_stock", (string?)tooMany["cancellationReason"]);
        var stock = await shop.StockAsync("AZ-1");
        Assert.Equal((7, 0), (stock!.OnHand, stock.Reserved));
        var mine = (await client.GetFromJsonAsync<JsonObject>("/api/orders"))!;
        Assert.Equal(3, mine["orders"]!.AsArray().Count);
    }
}
