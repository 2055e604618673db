using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Functions;
using Commerce.Hosting.Auth;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Catalog;

/// <summary>Every catalog, pricing, customer and inventory route over a real port, starting from an empty shop.</summary>
public sealed class CatalogApiTests : IAsyncLifetime
{
    private FunctionAppHarness _app = null!;
    private HttpClient _admin = null!;
    private HttpClient _buyer = null!;

    public async Task InitializeAsync()
    {
        _app = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string>
        {
            ["Catalog:SeedDemoData"] = "false",
            ["Catalog:RefreshInterval"] = "00:00:00",
        });
        _admin = _app.ClientFor("ops-1", Roles.Admin);
        _buyer = _app.ClientFor("b2b-1", Roles.Customer);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/categories/home", new { name = "Home" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/categories/candles", new
        {
            name = "Candles",
            parentId = "home",
            attributes = new object[]
            {
                new { name = "color", type = "enum", allowedValues = new[] { "white", "red" }, required = true },
                new { name = "burnHours", type = "number" },
            },
        })).StatusCode);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        _buyer.Dispose();
        await _app.DisposeAsync();
    }

    private static object Candle(string sku, decimal price = 2.55m, string color = "white", int pack = 1, string currency = "GBP") => new
    {
        sku, name = $"Candle {sku}", description = "A white candle", category = "candles", brand = "Glow",
        attributes = new { color, burnHours = 8 }, listPrice = price, currency, cost = 1.10m, packSize = pack,
    };

    private async Task<JsonObject> ProblemOf(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task Products_are_created_read_with_etags_replaced_under_if_match_and_deleted()
    {
        var created = await _admin.PostAsJsonAsync("/api/products", Candle("c-100"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/products/c-100", created.Headers.Location?.ToString());

        var read = await _app.Client.GetAsync("/api/products/C-100");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var etag = read.Headers.ETag!.Tag;
        var product = (await read.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("c-100", "Candle c-100", "candles", 2.55m, "GBP", "active"), ((string?)product["sku"], (string?)product["name"], (string?)product["category"], (decimal)product["listPrice"]!, (string?)product["currency"], (string?)product["status"]));
        Assert.Equal("white", (string?)product["attributes"]!["color"]);
        Assert.Null(product["cost"]);
        Assert.Equal(1.10m, (decimal)(await _admin.GetFromJsonAsync<JsonObject>("/api/products/c-100"))!["cost"]!);

        var conditional = new HttpRequestMessage(HttpMethod.Get, "/api/products/c-100");
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag));
        Assert.Equal(HttpStatusCode.NotModified, (await _app.Client.SendAsync(conditional)).StatusCode);

        Assert.Equal(HttpStatusCode.PreconditionRequired, (await _admin.PutAsJsonAsync("/api/products/c-100", Candle("c-100", 3m))).StatusCode);
        var put = new HttpRequestMessage(HttpMethod.Put, "/api/products/c-100") { Content = JsonContent.Create(Candle("c-100", 3m)) };
        put.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        var replaced = await _admin.SendAsync(put);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var stale = new HttpRequestMessage(HttpMethod.Put, "/api/products/c-100") { Content = JsonContent.Create(Candle("c-100", 4m)) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await _admin.SendAsync(stale)).StatusCode);
        Assert.Equal(3m, (decimal)(await _app.Client.GetFromJsonAsync<JsonObject>("/api/products/c-100"))!["listPrice"]!);

        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync("/api/products", Candle("C-100"))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync("/api/products/c-100")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Client.GetAsync("/api/products/c-100")).StatusCode);
    }

    [Theory]
    [InlineData("sku", """{"sku":"bad sku!","name":"x","category":"candles","attributes":{"color":"white"},"listPrice":1,"currency":"GBP"}""")]
    [InlineData("listPrice", """{"sku":"c-1","name":"x","category":"candles","attributes":{"color":"white"},"listPrice":-1,"currency":"GBP"}""")]
    [InlineData("listPrice", """{"sku":"c-1","name":"x","category":"candles","attributes":{"color":"white"},"listPrice":"cheap","currency":"GBP"}""")]
    [InlineData("currency", """{"sku":"c-1","name":"x","category":"candles","attributes":{"color":"white"},"listPrice":1,"currency":"XYZ"}""")]
    [InlineData("attributes.size", """{"sku":"c-1","name":"x","category":"candles","attributes":{"color":"white","size":"L"},"listPrice":1,"currency":"GBP"}""")]
    [InlineData("attributes.color", """{"sku":"c-1","name":"x","category":"candles","attributes":{"color":"purple"},"listPrice":1,"currency":"GBP"}""")]
    [InlineData("attributes.color", """{"sku":"c-1","name":"x","category":"candles","attributes":{},"listPrice":1,"currency":"GBP"}""")]
    [InlineData("category", """{"sku":"c-1","name":"x","category":"nowhere","listPrice":1,"currency":"GBP"}""")]
    public async Task Bad_products_are_400_naming_the_field_and_nothing_is_stored(string field, string json)
    {
        var response = await _admin.PostAsync("/api/products", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await ProblemOf(response))["errors"]![field]);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Client.GetAsync("/api/products/c-1")).StatusCode);
    }

    [Fact]
    public async Task Writes_need_a_token_and_the_admin_role()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.Client.PostAsJsonAsync("/api/products", Candle("c-200"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _buyer.PostAsJsonAsync("/api/products", Candle("c-200"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _buyer.PostAsJsonAsync("/api/inventory/c-200/adjustments", new { delta = 5, reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _buyer.GetAsync("/api/price-lists/wholesale")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.Client.GetAsync("/api/customers/me")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Client.GetAsync("/api/products/c-200")).StatusCode);
    }

    [Fact]
    public async Task Listed_products_read_as_they_do_alone_follow_every_edit_and_show_cost_to_admins_only()
    {
        await _admin.PostAsJsonAsync("/api/products", Candle("E-1", 2.00m));
        async Task<JsonObject> Listed(HttpClient client) =>
            (JsonObject)(await client.GetFromJsonAsync<JsonObject>("/api/products?q=E-1"))!["items"]!.AsArray().Single()!;

        var before = await Listed(_app.Client);
        Assert.True(JsonNode.DeepEquals(await _app.Client.GetFromJsonAsync<JsonObject>("/api/products/E-1"), before), before.ToJsonString());
        Assert.Null(before["cost"]);
        Assert.Null((await Listed(_buyer))["cost"]);
        Assert.Equal(1.10m, (decimal)(await Listed(_admin))["cost"]!);

        var put = new HttpRequestMessage(HttpMethod.Put, "/api/products/E-1") { Content = JsonContent.Create(Candle("E-1", 3.50m, "red")) };
        put.Headers.IfMatch.Add((await _app.Client.GetAsync("/api/products/E-1")).Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, (await _admin.SendAsync(put)).StatusCode);

        var after = await Listed(_app.Client);
        Assert.Equal((3.50m, "red"), ((decimal)after["listPrice"]!, (string?)after["attributes"]!["color"]));
    }

    [Fact]
    public async Task Listing_filters_sorts_and_pages()
    {
        await _admin.PutAsJsonAsync("/api/categories/kitchen", new { name = "Kitchen", parentId = "home" });
        foreach (var (sku, price, color) in new[] { ("L-1", 1.00m, "white"), ("L-2", 5.00m, "red"), ("L-3", 9.00m, "white") })
            await _admin.PostAsJsonAsync("/api/products", Candle(sku, price, color));
        await _admin.PostAsJsonAsync("/api/products", new { sku = "K-1", name = "Kettle", category = "kitchen", listPrice = 20m, currency = "GBP", brand = "Boil" });
        await _admin.PostAsJsonAsync("/api/inventory/L-3/adjustments", new { delta = 4, reason = "delivery" });

        async Task<List<string>> Skus(string query) =>
            (await _app.Client.GetFromJsonAsync<JsonObject>("/api/products?" + query))!["items"]!.AsArray().Select(i => (string)i!["sku"]!).ToList();

        Assert.Equal(["L-1", "L-2", "L-3", "K-1"], await Skus("category=home&sort=price&q=&pageSize=100"));
        Assert.Equal(["L-2"], await Skus("category=candles&attr.color=red"));
        Assert.Equal(["L-2", "L-3"], await Skus("category=candles&minPrice=2&maxPrice=9&sort=price"));
        Assert.Equal(["K-1"], await Skus("brand=boil"));
        Assert.Equal(["L-3"], await Skus("category=home&inStock=true"));
        Assert.Equal(["K-1"], await Skus("q=kettle"));
        Assert.Equal(["L-3", "L-2"], await Skus("category=candles&sort=price&descending=true&pageSize=2"));

        var first = (await _app.Client.GetFromJsonAsync<JsonObject>("/api/products?category=candles&sort=price&pageSize=2"))!;
        var token = (string)first["continuationToken"]!;
        Assert.Equal(["L-3"], await Skus($"category=candles&sort=price&pageSize=2&continuationToken={token}"));
        Assert.Equal(["L-3"], await Skus("category=candles&sort=price&pageSize=2&page=2"));
        Assert.Equal(3, (int)first["totalCount"]!);

        var tooBig = await _app.Client.GetAsync("/api/products?pageSize=101");
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
        Assert.NotNull((await ProblemOf(tooBig))["errors"]!["pageSize"]);
    }

    [Fact]
    public async Task Quotes_use_the_buyers_price_list_tiers_pack_sizes_and_coupons()
    {
        await _admin.PostAsJsonAsync("/api/products", Candle("Q-1", 2.55m, pack: 6));
        var tiers = new[] { new { minQuantity = 1, maxQuantity = (int?)11, percentOff = 0m }, new { minQuantity = 12, maxQuantity = (int?)null, percentOff = 10m } };
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/price-lists/trade", new { name = "Trade", entries = new[] { new { category = "home", percentOff = 20m } }, tiers })).StatusCode);
        var noCreditCurrency = await _admin.PutAsJsonAsync("/api/customers/b2b-1", new { kind = "business", companyName = "Shop Ltd", priceListId = "trade", creditLimit = 1000m, paymentTermsDays = 30 });
        Assert.Equal(HttpStatusCode.BadRequest, noCreditCurrency.StatusCode);
        Assert.NotNull((await ProblemOf(noCreditCurrency))["errors"]!["creditCurrency"]);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/customers/b2b-1", new { kind = "business", companyName = "Shop Ltd", priceListId = "trade", creditLimit = 1000m, creditCurrency = "GBP", paymentTermsDays = 30 })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/promotions", new { name = "Launch", kind = "percentOff", value = 5m, coupon = "LAUNCH5", usageLimit = 10 })).StatusCode);

        var retail = (await _app.Client.GetFromJsonAsync<JsonObject>("/api/products/Q-1/price?quantity=6"))!;
        Assert.Equal(15.30m, (decimal)retail["total"]!);
        var trade = (await _buyer.GetFromJsonAsync<JsonObject>("/api/products/Q-1/price?quantity=12&coupon=launch5"))!;
        // 2.55 -> 2.04 (trade 20%) -> 1.836 (12+ units 10%) -> 1.7442 (coupon 5%); x12 = 20.9304
        Assert.Equal(1.7442m, (decimal)trade["unitPrice"]!);
        Assert.Equal(20.93m, (decimal)trade["total"]!);
        Assert.Equal("GBP", (string?)trade["currency"]);
        Assert.Equal(["listPrice", "priceList", "quantityTier", "promotion", "rounding"], trade["appliedRules"]!.AsArray().Select(r => (string)r!["rule"]!));

        var notPack = await _buyer.GetAsync("/api/products/Q-1/price?quantity=7");
        Assert.Equal(HttpStatusCode.BadRequest, notPack.StatusCode);
        Assert.NotNull((await ProblemOf(notPack))["errors"]!["quantity"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await _buyer.GetAsync("/api/products/Q-1/price?quantity=6&coupon=NOPE")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _app.Client.GetAsync("/api/products/Q-1/price?quantity=6&priceList=trade")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Client.GetAsync("/api/products/NOPE/price?quantity=1")).StatusCode);

        var overlapping = await _admin.PutAsJsonAsync("/api/price-lists/bad", new { name = "Bad", tiers = new[] { new { minQuantity = 1, maxQuantity = (int?)10, percentOff = 0m }, new { minQuantity = 5, maxQuantity = (int?)null, percentOff = 5m } } });
        Assert.Equal(HttpStatusCode.BadRequest, overlapping.StatusCode);
        Assert.NotNull((await ProblemOf(overlapping))["errors"]!["tiers"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/price-lists/bad")).StatusCode);
        Assert.Equal("LAUNCH5", (string?)Assert.Single((await _admin.GetFromJsonAsync<JsonArray>("/api/promotions"))!)!["coupon"]);
    }

    [Fact]
    public async Task A_members_promotion_prices_only_for_customers_of_its_tiers()
    {
        await _admin.PostAsJsonAsync("/api/products", Candle("M-1", 10m));
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/customers/gold-1", new { kind = "consumer", membershipTier = "gold" })).StatusCode);
        var badTier = await _admin.PostAsJsonAsync("/api/promotions", new { name = "Bad", kind = "percentOff", value = 5m, membershipTiers = new[] { "diamond" } });
        Assert.Equal(HttpStatusCode.BadRequest, badTier.StatusCode);
        Assert.NotNull((await ProblemOf(badTier))["errors"]!["membershipTiers"]);
        Assert.Empty((await _admin.GetFromJsonAsync<JsonArray>("/api/promotions"))!);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/promotions", new { name = "Gold week", kind = "percentOff", value = 5m, membershipTiers = new[] { "gold", "platinum" } })).StatusCode);

        using var gold = _app.ClientFor("gold-1", Roles.Customer);
        var member = (await gold.GetFromJsonAsync<JsonObject>("/api/products/M-1/price?quantity=2"))!;
        var other = (await _buyer.GetFromJsonAsync<JsonObject>("/api/products/M-1/price?quantity=2"))!;
        var anonymous = (await _app.Client.GetFromJsonAsync<JsonObject>("/api/products/M-1/price?quantity=2"))!;

        Assert.Equal(19.00m, (decimal)member["total"]!);
        Assert.Equal("Gold week: 5% off for gold members", (string?)member["appliedRules"]!.AsArray().Single(r => (string?)r!["rule"] == "promotion")!["description"]);
        Assert.Equal(20.00m, (decimal)other["total"]!);
        Assert.Equal(20.00m, (decimal)anonymous["total"]!);
        Assert.Equal(["gold", "platinum"], (await _admin.GetFromJsonAsync<JsonArray>("/api/promotions"))![0]!["membershipTiers"]!.AsArray().Select(t => (string?)t));
    }

    [Fact]
    public async Task An_amount_off_promotion_names_its_currency_and_prices_only_products_in_it()
    {
        await _admin.PostAsJsonAsync("/api/products", Candle("GB-1", 2.55m));
        await _admin.PostAsJsonAsync("/api/products", Candle("EU-1", 2.55m, currency: "EUR"));
        foreach (var bad in new object[]
        {
            new { name = "No currency", kind = "amountOff", value = 1m },
            new { name = "Unknown currency", kind = "amountOff", value = 1m, currency = "XYZ" },
            new { name = "Percent with currency", kind = "percentOff", value = 5m, currency = "GBP" },
        })
        {
            var refused = await _admin.PostAsJsonAsync("/api/promotions", bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.NotNull((await ProblemOf(refused))["errors"]!["currency"]);
        }
        Assert.Empty((await _admin.GetFromJsonAsync<JsonArray>("/api/promotions"))!);

        var created = await _admin.PostAsJsonAsync("/api/promotions", new { name = "Pound off", kind = "amountOff", value = 1m, currency = "gbp" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("GBP", (string?)(await created.Content.ReadFromJsonAsync<JsonObject>())!["currency"]);

        Assert.Equal(2 * (2.55m - 1m), (decimal)(await _app.Client.GetFromJsonAsync<JsonObject>("/api/products/GB-1/price?quantity=2"))!["total"]!);
        var euro = (await _app.Client.GetFromJsonAsync<JsonObject>("/api/products/EU-1/price?quantity=2"))!;
        Assert.Equal(2 * 2.55m, (decimal)euro["total"]!);
        Assert.DoesNotContain(euro["appliedRules"]!.AsArray(), r => (string?)r!["rule"] == "promotion");
    }

    [Fact]
    public async Task Customers_read_and_edit_their_own_harmless_fields_and_admins_manage_terms()
    {
        using var newcomer = _app.ClientFor("new-1", Roles.Customer);
        var me = (await newcomer.GetFromJsonAsync<JsonObject>("/api/customers/me"))!;
        Assert.Equal(("new-1", "consumer"), ((string?)me["id"], (string?)me["kind"]));

        var patched = await newcomer.PatchAsJsonAsync("/api/customers/me", new { name = "Nia", email = "nia@example.com" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var sneaky = await newcomer.PatchAsJsonAsync("/api/customers/me", new { creditLimit = 1_000_000m });
        Assert.Equal(HttpStatusCode.BadRequest, sneaky.StatusCode);
        Assert.NotNull((await ProblemOf(sneaky))["errors"]!["creditLimit"]);

        var listed = (await _admin.GetFromJsonAsync<JsonObject>("/api/customers?kind=consumer"))!;
        Assert.Contains("new-1", listed["customers"]!.AsArray().Select(c => (string)c!["id"]!));
        var account = await _admin.GetAsync("/api/customers/new-1");
        Assert.Equal("Nia", (string?)(await account.Content.ReadFromJsonAsync<JsonObject>())!["name"]);
        var stale = new HttpRequestMessage(HttpMethod.Put, "/api/customers/new-1") { Content = JsonContent.Create(new { kind = "consumer", name = "X" }) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue("\"old\""));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await _admin.SendAsync(stale)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await newcomer.GetAsync("/api/customers/new-1")).StatusCode);

        var business = await _admin.PutAsJsonAsync("/api/customers/b2b-9", new { kind = "business", companyName = "Cafe Ltd", companySize = "10-49", industry = "hospitality", country = "France" });
        Assert.Equal(HttpStatusCode.OK, business.StatusCode);
        Assert.Equal(("10-49", "France"), ((string?)(await business.Content.ReadFromJsonAsync<JsonObject>())!["companySize"], (string?)(await _admin.GetFromJsonAsync<JsonObject>("/api/customers/b2b-9"))!["country"]));
        var huge = await _admin.PutAsJsonAsync("/api/customers/b2b-10", new { kind = "business", companyName = "Big Ltd", companySize = "huge" });
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.NotNull((await ProblemOf(huge))["errors"]!["companySize"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/customers/b2b-10")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await newcomer.PatchAsJsonAsync("/api/customers/me", new { companySize = "250+" })).StatusCode);
    }

    [Fact]
    public async Task Inventory_adjustments_are_audited_and_refused_below_zero()
    {
        await _admin.PostAsJsonAsync("/api/products", Candle("I-1"));

        var added = await _admin.PostAsJsonAsync("/api/inventory/I-1/adjustments", new { delta = 10, reason = "delivery", lowStockThreshold = 3 });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var stock = (await _app.Client.GetFromJsonAsync<JsonObject>("/api/inventory/i-1"))!;
        Assert.Equal((10, 0, 10), ((int)stock["onHand"]!, (int)stock["reserved"]!, (int)stock["available"]!));
        Assert.Null(stock["adjustments"]);
        Assert.Equal("delivery", (string?)(await _admin.GetFromJsonAsync<JsonObject>("/api/inventory/I-1"))!["adjustments"]![0]!["reason"]);

        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync("/api/inventory/I-1/adjustments", new { delta = -11, reason = "loss" })).StatusCode);
        var noReason = await _admin.PostAsJsonAsync("/api/inventory/I-1/adjustments", new { delta = "five" });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        var errors = (await ProblemOf(noReason))["errors"]!;
        Assert.NotNull(errors["delta"]);
        Assert.NotNull(errors["reason"]);
        Assert.Equal(10, (int)(await _app.Client.GetFromJsonAsync<JsonObject>("/api/inventory/I-1"))!["onHand"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Client.GetAsync("/api/inventory/nothing")).StatusCode);
    }

    [Fact]
    public async Task Import_over_http_reports_counts_and_is_idempotent()
    {
        const string csv = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
                         + "1,20001,LANTERN,2,2011-01-01T10:00:00,4.95,1,United Kingdom\n"
                         + "2,POST,POSTAGE,1,2011-01-01T10:00:00,18,1,France\n";

        var first = await _admin.PostAsync("/api/products/import", new StringContent(csv, Encoding.UTF8, "text/csv"));
        var second = await _admin.PostAsync("/api/products/import", new StringContent(csv, Encoding.UTF8, "text/csv"));
        var report = (await first.Content.ReadFromJsonAsync<JsonObject>())!;
        var again = (await second.Content.ReadFromJsonAsync<JsonObject>())!;

        Assert.Equal((1, 0, 1), ((int)report["created"]!, (int)report["updated"]!, (int)report["skipped"]!));
        Assert.Equal(1, (int)report["skipReasons"]!["service or adjustment code"]!);
        Assert.Equal((0, 0), ((int)again["created"]!, (int)again["updated"]!));
        Assert.Equal(4.95m, (decimal)(await _app.Client.GetFromJsonAsync<JsonObject>("/api/products/20001"))!["listPrice"]!);
        var wrong = await _admin.PostAsync("/api/products/import", new StringContent("a,b\n1,2\n", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _buyer.PostAsync("/api/products/import", new StringContent(csv, Encoding.UTF8, "text/csv"))).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_catalog_routes()
    {
        var paths = (await _app.Client.GetFromJsonAsync<JsonObject>("/api/openapi.json"))!["paths"]!.AsObject().Select(p => p.Key).ToHashSet();

        Assert.Superset(new HashSet<string>
        {
            "/api/products", "/api/products/{sku}", "/api/products/{sku}/price", "/api/products/import", "/api/categories", "/api/categories/{id}",
            "/api/price-lists/{id}", "/api/promotions", "/api/customers/me", "/api/customers", "/api/customers/{id}", "/api/inventory/{sku}", "/api/inventory/{sku}/adjustments",
        }, paths);
    }
}
