using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Commerce.Catalog.Categories;
using Commerce.Catalog.Customers;
using Commerce.Catalog.Inventory;
using Commerce.Catalog.Products;
using Commerce.Hosting;
using Commerce.Hosting.Auth;
using Commerce.Payments.Webhooks;
using Commerce.Storage.Documents;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Checkout;

/// <summary>The product app on a real port with a small shop set up through its own services, and helpers to buy from it.</summary>
public sealed class Shop : IAsyncDisposable
{
    private Shop(FunctionAppHarness app) => App = app;

    public FunctionAppHarness App { get; }

    /// <summary>The webhook secret the shop's sandbox channels are configured with.</summary>
    public const string WebhookSecret = "whsec_test_shop";

    public static readonly Dictionary<string, string> FastSettings = new()
    {
        ["Payments:Webhooks:sandbox-a:Secrets"] = WebhookSecret,
        ["Catalog:SeedDemoData"] = "false",
        ["Catalog:RefreshInterval"] = "00:00:00",
        ["Fulfilment:Mode"] = "auto",
        ["Payments:Retry:FirstRetryInterval"] = "00:00:00.050",
        ["Payments:Retry:MaxRetryInterval"] = "00:00:00.200",
        ["Payments:Retry:RetryTimeout"] = "00:00:10",
        ["Queues:MaxPollingInterval"] = "00:00:00.200",
    };

    public static async Task<Shop> OpenAsync(IReadOnlyDictionary<string, string>? overrides = null, Action<FunctionAppBuilder>? configure = null)
    {
        var settings = new Dictionary<string, string>(FastSettings);
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
            settings[key] = value;
        var shop = new Shop(await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, settings, configure: configure));
        var catalog = shop.App.Services.GetRequiredService<ProductCatalog>();
        await catalog.PutCategoryAsync(new Category { Id = "goods", Name = "Goods" });
        return shop;
    }

    public async Task AddProductAsync(string sku, decimal price, int stock, int packSize = 1, ProductStatus status = ProductStatus.Active, string currency = "GBP")
    {
        var now = DateTimeOffset.UtcNow;
        await App.Services.GetRequiredService<ProductCatalog>().UpsertManyAsync([new Product
        {
            Sku = sku, Name = $"Product {sku}", Category = "goods", ListPrice = price, Currency = currency, PackSize = packSize, Status = status, CreatedAt = now, UpdatedAt = now,
        }]);
        if (stock > 0)
            await App.Services.GetRequiredService<InventoryService>().AdjustAsync(sku, stock, "test stock", "test");
    }

    public Task MakeBusinessAsync(string customerId, decimal creditLimit, int netDays = 30, string creditCurrency = "GBP") =>
        App.Services.GetRequiredService<CustomerService>().PutAsync(new Customer
        {
            Id = customerId, Kind = CustomerKind.Business, CompanyName = "Trade Ltd", CreditLimit = creditLimit, CreditCurrency = creditCurrency, PaymentTermsDays = netDays, CreatedAt = DateTimeOffset.UtcNow,
        }, null);

    public Task<StockLevel?> StockAsync(string sku) => App.Services.GetRequiredService<InventoryService>().GetAsync(sku);

    public HttpClient Customer(string id) => App.ClientFor(id, Roles.Customer);

    public HttpClient Admin() => App.ClientFor("ops", Roles.Admin);

    /// <summary>POST /api/checkout with an Idempotency-Key.</summary>
    public static Task<HttpResponseMessage> CheckoutAsync(HttpClient customer, object body, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString("N"));
        return customer.SendAsync(request);
    }

    /// <summary>Checks out <paramref name="quantity"/> units of <paramref name="sku"/> and answers the new order's id.</summary>
    public static async Task<string> PlaceAsync(HttpClient customer, string paymentMethod, string sku, int quantity, string? coupon = null)
    {
        var response = await CheckoutAsync(customer, new { paymentMethod, coupon, lines = new[] { new { sku, quantity } } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
    }

    /// <summary>A webhook delivery to sandbox-a signed with the shop's secret.</summary>
    public static HttpRequestMessage SignedWebhook(byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/webhooks/sandbox-a") { Content = new ByteArrayContent(body) };
        request.Headers.Add(PaymentWebhooks.SignatureHeader, PaymentWebhooks.SignatureFor(WebhookSecret, DateTimeOffset.UtcNow, body));
        return request;
    }

    /// <summary>The provider confirms the order's pending bank transfer, as its signed webhook does.</summary>
    public async Task ConfirmPaymentAsync(JsonObject order)
    {
        var authorization = (string)order["payments"]!.AsArray().Single(p => (string?)p!["operation"] == "authorize")!["authorizationId"]!;
        var payment = new PaymentEvent($"evt-{order["id"]}", PaymentEvent.Confirmed, (string)order["id"]!, authorization, (decimal)order["total"]!, (string)order["currency"]!);
        Assert.Equal(HttpStatusCode.OK, (await App.Client.SendAsync(SignedWebhook(JsonSerializer.SerializeToUtf8Bytes(payment, DocumentJson.Options)))).StatusCode);
    }

    /// <summary>Checks out as <paramref name="customer"/> and waits until the order's status is one of <paramref name="until"/>; answers its id.</summary>
    public async Task<string> PlaceAsync(string customer, object checkout, params string[] until)
    {
        using var client = Customer(customer);
        var placed = await CheckoutAsync(client, checkout);
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        var id = (string)(await placed.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await WaitForStatusAsync(client, id, until);
        return id;
    }

    /// <summary>Polls the order until its status is one of <paramref name="statuses"/>.</summary>
    public static async Task<JsonObject> WaitForStatusAsync(HttpClient client, string orderId, params string[] statuses) =>
        await Poll.UntilAsync(async () => (await client.GetFromJsonAsync<JsonObject>($"/api/orders/{orderId}"))!, order => statuses.Contains((string?)order["status"]),
            TimeSpan.FromSeconds(60), $"order {orderId} to be {string.Join("/", statuses)}");

    /// <summary>The problem-details body of a refusal, after checking its status and media type.</summary>
    public static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}

/// <summary>One shop for the tests of a class (an xunit class fixture), stocked with the products they buy.</summary>
public sealed class SharedShop : IAsyncLifetime
{
    public Shop Shop { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Shop = await Shop.OpenAsync();
        await Shop.AddProductAsync("WIRE-1", 12.50m, 1000);
        await Shop.AddProductAsync("CUR-GBP-1", 2.00m, 100);
        await Shop.AddProductAsync("CUR-EUR-1", 3.00m, 100, currency: "EUR");
        await Shop.AddProductAsync("CUR-GBP-2", 1.25m, 100);
    }

    public async Task DisposeAsync() => await Shop.DisposeAsync();
}
