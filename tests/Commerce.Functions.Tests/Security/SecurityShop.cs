using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Catalog.Customers;
using Commerce.Catalog.Pricing;
using Commerce.Functions.Tests.Checkout;
using Commerce.Hosting.Auth;
using Commerce.Retention.Notifications;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Security;

/// <summary>
/// One running shop for the authorization matrix and the fuzz test: products with stock, a contract price list and
/// a coupon, customer A with an account on that price list, a cart and a completed order (placed through checkout),
/// and customer B with an account of their own. Nothing is left running: the order has finished.
/// </summary>
public sealed class SecurityShop : IAsyncLifetime
{
    public const string CustomerA = "customer-a";
    public const string CustomerB = "customer-b";
    public const string AdminSubject = "ops-admin";
    public const string Sku = "SEC-1";
    public const string CartSku = "SEC-2";
    public const string PriceListOfA = "trade-a";
    public const string Coupon = "SECURE10";
    public const string Channel = "sandbox-a";
    public const long MaxBodyBytes = 64 * 1024;

    private Shop _shop = null!;

    public FunctionAppHarness App => _shop.App;

    /// <summary>A real order of customer A, finished (Completed).</summary>
    public string OrderOfA { get; private set; } = "";

    /// <summary>The in-app message that confirmed A's order.</summary>
    public string NotificationOfA { get; private set; } = "";

    public HttpClient Anonymous { get; private set; } = null!;
    public HttpClient A { get; private set; } = null!;
    public HttpClient B { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _shop = await Shop.OpenAsync(new Dictionary<string, string>
        {
            ["Http:MaxRequestBodyBytes"] = MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The matrix and the fuzz test send thousands of requests from one address; the limits have tests of their own.
            ["RateLimits:Enabled"] = "false",
        });
        Anonymous = App.Client;
        A = App.ClientFor(CustomerA, Roles.Customer);
        B = App.ClientFor(CustomerB, Roles.Customer);
        Admin = App.ClientFor(AdminSubject, Roles.Admin);

        await _shop.AddProductAsync(Sku, 12.50m, 50);
        await _shop.AddProductAsync(CartSku, 3.20m, 20);
        var pricing = App.Services.GetRequiredService<PricingStore>();
        await pricing.PutPriceListAsync(new PriceList { Id = PriceListOfA, Name = "Trade terms of A", Tiers = [new QuantityTier(10, null, 5)], UpdatedAt = DateTimeOffset.UtcNow }, null);
        await pricing.CreatePromotionAsync(new Promotion { Id = "secure-coupon", Name = "Ten off", Kind = PromotionKind.PercentOff, Value = 10, Coupon = Coupon, UsageLimit = 100 });
        await App.Services.GetRequiredService<CustomerService>().PutAsync(new Customer
        {
            Id = CustomerA, Kind = CustomerKind.Business, CompanyName = "A Trading", PriceListId = PriceListOfA, CreatedAt = DateTimeOffset.UtcNow,
        }, null);

        Ensure(await B.GetAsync("/api/customers/me"));
        Ensure(await A.PutAsJsonAsync($"/api/cart/items/{CartSku}", new { quantity = 1 }));
        var placed = Ensure(await Shop.CheckoutAsync(A, new { paymentMethod = "pm_card_visa", lines = new[] { new { sku = Sku, quantity = 2 } } }));
        OrderOfA = (string)(await placed.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await Shop.WaitForStatusAsync(A, OrderOfA, "Completed");
        NotificationOfA = NotificationStore.IdOf($"order:{OrderOfA}:paid");
        for (var wait = Stopwatch.StartNew(); !(await A.GetStringAsync("/api/customers/me/notifications")).Contains(NotificationOfA, StringComparison.Ordinal); await Task.Delay(50))
        {
            if (wait.Elapsed > TimeSpan.FromSeconds(30))
                throw new InvalidOperationException("Setting up the shop: the order confirmation never reached A's inbox");
        }
    }

    private static HttpResponseMessage Ensure(HttpResponseMessage response) =>
        response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted ? response : throw new InvalidOperationException($"Setting up the shop: {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}");

    public async Task DisposeAsync()
    {
        A.Dispose();
        B.Dispose();
        Admin.Dispose();
        await _shop.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SecurityCollection : ICollectionFixture<SecurityShop>
{
    public const string Name = "security shop";
}
