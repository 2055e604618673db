using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Catalog.DemoData;
using Commerce.Catalog.Products;
using Commerce.Hosting.Auth;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Catalog;

public sealed class DemoShopAndImportCommandTests
{
    [Fact]
    public async Task An_empty_embedded_store_starts_as_a_demo_shop_whose_products_all_pass_validation()
    {
        await using var app = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder);
        var catalog = app.Services.GetRequiredService<ProductCatalog>();
        var categories = await catalog.CategoriesAsync();

        var products = await catalog.AllAsync();
        Assert.Equal(DemoShop.ProductCount, products.Count);
        Assert.All(products, p => Assert.Empty(ProductValidation.Validate(p.Product, categories)));

        var listing = (await app.Client.GetFromJsonAsync<JsonObject>("/api/products?category=home&inStock=true&pageSize=5"))!;
        Assert.Equal(5, listing["items"]!.AsArray().Count);
        using var wholesale = app.ClientFor(DemoShop.WholesaleCustomer, Roles.Customer);
        var quote = (await wholesale.GetFromJsonAsync<JsonObject>("/api/products/DEMO-0002/price?quantity=24"))!;
        Assert.Equal("wholesale", (string?)quote["priceListId"]);
        Assert.Contains(quote["appliedRules"]!.AsArray(), r => (string?)r!["rule"] == "quantityTier");
    }

    [Fact]
    public async Task The_demo_shop_is_the_same_every_time_and_can_be_turned_off()
    {
        await using var one = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder);
        await using var two = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder);
        await using var off = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string> { ["Catalog:SeedDemoData"] = "false" });

        static async Task<string> Fingerprint(FunctionAppHarness app) => string.Join(";",
            (await app.Services.GetRequiredService<ProductCatalog>().AllAsync()).OrderBy(p => p.Product.Sku).Select(p => $"{p.Product.Sku}|{p.Product.Name}|{p.Product.ListPrice}|{string.Join(",", p.Product.Attributes.OrderBy(a => a.Key))}"));

        Assert.Equal(await Fingerprint(one), await Fingerprint(two));
        Assert.Equal(0, await off.Services.GetRequiredService<ProductCatalog>().CountAsync());
    }

    [Fact]
    public async Task The_import_command_loads_the_real_file_and_a_second_run_changes_nothing()
    {
        using var data = new TempDirectory();
        var file = Path.Combine(RepositoryPaths.SharedData, "online_retail.csv.gz");
        var environment = new Dictionary<string, string?> { ["Storage__DataDirectory"] = data.Path, ["Catalog__SeedDemoData"] = "false" };

        JsonObject first, second;
        await using (var run = AppProcess.Start(["import-products", file], environment))
        {
            Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromMinutes(2)));
            first = JsonNode.Parse(run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last())!.AsObject();
        }
        await using (var run = AppProcess.Start(["import-products", file], environment))
        {
            Assert.Equal(0, await run.WaitForExitAsync(TimeSpan.FromMinutes(2)));
            second = JsonNode.Parse(run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last())!.AsObject();
        }

        Assert.True((int)first["created"]! > 3000);
        Assert.Equal((0, 0), ((int)second["created"]!, (int)second["updated"]!));
        Assert.Equal((int)first["created"]!, (int)second["unchanged"]!);
        Assert.True((int)first["skipped"]! > 0);
    }
}
