using Commerce.Catalog.Customers;
using Commerce.Catalog.DemoData;
using Commerce.Catalog.Import;
using Commerce.Catalog.Inventory;
using Commerce.Catalog.Pricing;
using Commerce.Catalog.Products;
using Commerce.Hosting;
using Commerce.Hosting.Settings;
using Commerce.Hosting.Storage;

namespace Commerce.Functions.Catalog;

public static class CatalogSetup
{
    public const string SeedDemoDataSetting = "Catalog:SeedDemoData";

    /// <summary>Catalog, pricing, inventory and customers: their services, HTTP functions, timer, import command and demo data.</summary>
    public static FunctionAppBuilder AddCatalog(this FunctionAppBuilder app)
    {
        var configuration = app.Configuration;
        var options = new CatalogOptions
        {
            RefreshInterval = configuration.GetTimeSpan("Catalog:RefreshInterval", TimeSpan.FromSeconds(2), TimeSpan.Zero, TimeSpan.FromMinutes(10)),
        };
        var inventory = new InventoryOptions
        {
            LowStockThreshold = configuration.GetInt(InventoryOptions.LowStockThresholdSetting, InventoryOptions.DefaultLowStockThreshold, 0, 1_000_000),
        };
        // Every preset a developer runs on one machine starts as a shop one can buy from; a deployed store never does.
        var local = configuration.GetEnum(StorageSetup.PresetSetting, StoragePreset.Embedded) != StoragePreset.Azure;
        var seed = configuration.GetBool(SeedDemoDataSetting, local);

        app.DocumentContainers.Add(
            ProductCatalog.ProductsContainer, ProductCatalog.CategoriesContainer, ProductCatalog.MetaContainer,
            InventoryService.StockContainer, InventoryService.ReservationsContainer, InventoryService.ExpiryContainer,
            PricingStore.PriceListsContainer, PricingStore.PromotionsContainer, PricingStore.RedemptionsContainer,
            CustomerService.Container);
        var services = app.Services;
        services.AddSingleton(options);
        services.AddSingleton(inventory);
        services.AddSingleton<ProductCatalog>();
        services.AddSingleton<PublicProductJson>();
        services.AddSingleton<InventoryService>();
        services.AddSingleton<StockAvailability>();
        services.AddSingleton<PricingStore>();
        services.AddSingleton<PricingService>();
        services.AddSingleton<CustomerService>();
        services.AddSingleton<ProductImporter>();
        services.AddSingleton<DemoShop>();
        if (seed)
            services.AddHostedService<DemoShopSeeder>();

        app.Functions
            .MapProductsApi()
            .MapImportApi()
            .MapCategoriesApi()
            .MapPricingApi()
            .MapCustomersApi()
            .MapInventoryApi();
        app.AddCommand("import-products", ImportApi.ImportCommandAsync);
        return app;
    }

    /// <summary>Seeds the demo shop before the app serves its first request, when the store has no products.</summary>
    private sealed class DemoShopSeeder(DemoShop shop, ILogger<DemoShopSeeder> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (await shop.SeedIfEmptyAsync(cancellationToken))
                logger.LogInformation("Seeded the demo shop: {Count} products; try `dev-token --sub {Customer} --role customer` for wholesale prices", DemoShop.ProductCount, DemoShop.WholesaleCustomer);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
