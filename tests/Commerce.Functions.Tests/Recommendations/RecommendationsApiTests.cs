using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Analytics.Lake;
using Commerce.Catalog.Categories;
using Commerce.Catalog.Inventory;
using Commerce.Catalog.Products;
using Commerce.Hosting.Auth;
using Commerce.Intelligence.Recommendations.Serving;
using Commerce.Orders.Orders;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Recommendations;

/// <summary>
/// The app on a real port with a year of orders in its order store: three groups of buyers, each buying the
/// products of its own group (two categories per group), and a wholesaler who reorders one product every 20 days.
/// The model is trained once through the admin API.
/// </summary>
public sealed class RecommendationShop : IAsyncLifetime
{
    public const int Groups = 3;
    public const int BuyersPerGroup = 15;
    public const int ProductsPerGroup = 12;
    public const string Wholesaler = "wholesaler";
    public const string Staple = "g0-i11";

    public FunctionAppHarness App { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public JsonObject Training { get; private set; } = null!;
    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public async Task InitializeAsync()
    {
        App = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string>
        {
            ["Catalog:SeedDemoData"] = "false",
            ["Catalog:RefreshInterval"] = "00:00:00",
            ["Recommendations:HoldoutDays"] = "28",
            ["Recommendations:HistoryDays"] = "400",
            ["Recommendations:MaxPerCategory"] = "2",
            ["Recommendations:RefreshInterval"] = "00:00:01",
            // The swap test reads as fast as it can; per-client limits are tested on their own.
            ["RateLimits:Enabled"] = "false",
        });
        Admin = App.ClientFor("ops", Roles.Admin);
        var catalog = App.Services.GetRequiredService<ProductCatalog>();
        var inventory = App.Services.GetRequiredService<InventoryService>();
        var products = new List<Product>();
        for (var g = 0; g < Groups; g++)
        {
            for (var c = 0; c < 2; c++)
                await catalog.PutCategoryAsync(new Category { Id = $"cat-g{g}-{c}", Name = $"Group {g} line {c}" });
            for (var n = 0; n < ProductsPerGroup; n++)
                products.Add(new Product { Sku = $"g{g}-i{n}", Name = $"Group {g} item {n}", Category = $"cat-g{g}-{n % 2}", ListPrice = 5 + n, Cost = 2, Currency = "GBP", CreatedAt = Now, UpdatedAt = Now });
        }
        await catalog.UpsertManyAsync(products);
        foreach (var product in products)
            await inventory.AdjustAsync(product.Sku, 1_000, "stock", "test");

        var orders = App.Services.GetRequiredService<OrderRepository>();
        var random = new Random(5);
        for (var g = 0; g < Groups; g++)
        for (var u = 0; u < BuyersPerGroup; u++)
        for (var o = 0; o < 10; o++)
        {
            var skus = Enumerable.Range(0, 1 + random.Next(3)).Select(_ => $"g{g}-i{(int)Math.Floor(10 * Math.Pow(random.NextDouble(), 1.5))}").Distinct().ToList();
            await PlaceAsync(orders, $"g{g}-u{u}", skus, Now.AddDays(-random.Next(1, 360)), $"h-g{g}-u{u}-{o}");
        }
        for (var day = 205; day >= 25; day -= 20)
            await PlaceAsync(orders, Wholesaler, [Staple, "g0-i0"], Now.AddDays(-day), $"h-w-{day}");

        // Training reads the lake: move the orders there now rather than wait for the compaction timer.
        await App.Services.GetRequiredService<LakeCompactor>().DrainAsync();
        var response = await Admin.PostAsync("/api/models/recommendations/train", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Training = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        await Poll.UntilAsync(async () => (string?)(await GetAsync(App.Client, "/api/recommendations"))["modelVersion"], served => served == (string?)Training["version"],
            TimeSpan.FromSeconds(30), "the trained model to be served", TimeSpan.FromMilliseconds(100));
    }

    public static Task PlaceAsync(OrderRepository orders, string customer, IReadOnlyList<string> skus, DateTimeOffset at, string id, OrderStatus status = OrderStatus.Completed) =>
        orders.CreateAsync(new Order
        {
            Id = id,
            CustomerId = customer,
            Status = status,
            Currency = "GBP",
            Lines = skus.Select(s => new OrderLine(s, s, 1, 5, 5)).ToList(),
            Total = 5 * skus.Count,
            PaymentMethod = "pm_card_visa",
            PlacedAt = at,
            CompletedAt = status == OrderStatus.Completed ? at.AddHours(1) : null,
        });

    public static async Task<JsonObject> GetAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

public sealed class RecommendationsApiTests(RecommendationShop shop) : IClassFixture<RecommendationShop>
{
    private static IEnumerable<JsonObject> Items(JsonObject list) => list["items"]!.AsArray().Select(i => i!.AsObject());

    private static string Sku(JsonObject item) => (string)item["product"]!["sku"]!;

    private static string Group(string id) => id[..id.IndexOf('-')];

    private HttpClient Buyer(string id) => shop.App.ClientFor(id, Roles.Customer);

    [Fact]
    public async Task A_known_buyer_gets_their_groups_products_with_reasons_a_sentence_and_the_category_cap()
    {
        var list = await RecommendationShop.GetAsync(Buyer("g1-u2"), "/api/recommendations?slot=home&limit=8");

        Assert.True((bool)list["personalised"]!);
        var items = Items(list).ToList();
        Assert.Equal(8, items.Count);
        Assert.True(items.Take(3).All(i => Group(Sku(i)) == "g1"), string.Join(", ", items.Select(Sku)));
        Assert.All(items.GroupBy(i => (string)i["product"]!["category"]!), g => Assert.True(g.Count() <= 2));
        Assert.All(items, i =>
        {
            Assert.NotEmpty((string)i["explanation"]!);
            Assert.Contains((string)i["reasons"]![0]!["type"]!, new[] { "bought_together", "similar_buyers", "viewed_similar", "popular_in_segment", "trending", "reorder_due" });
            Assert.Null(i["product"]!["cost"]);
            Assert.InRange((double)i["score"]!, 0, 1);
        });
        Assert.Equal(items.Count, items.Select(Sku).Distinct().Count());
    }

    [Fact]
    public async Task Each_strategy_fills_the_slot_its_own_way()
    {
        var service = shop.App.Services.GetRequiredService<RecommendationService>();
        RecommendationQuery Query(RecommendationStrategy strategy) => new(RecommendationSlot.Home, "g1-u2", null, 8, [], strategy);

        var ranker = await service.RecommendAsync(Query(RecommendationStrategy.Ranker));
        var popular = await service.RecommendAsync(Query(RecommendationStrategy.Popular));

        Assert.Contains(ranker.Items, i => i.Reasons[0].Type is not (RecommendationReason.Trending or RecommendationReason.PopularInSegment));
        Assert.NotEmpty(popular.Items);
        Assert.All(popular.Items, i => Assert.Contains(i.Reasons[0].Type, new[] { RecommendationReason.Trending, RecommendationReason.PopularInSegment }));

        var wholesaler = await service.RecommendAsync(Query(RecommendationStrategy.ReorderFirst) with { CustomerId = RecommendationShop.Wholesaler });
        Assert.Equal(RecommendationReason.ReorderDue, wholesaler.Items[0].Reasons[0].Type);
        Assert.Equal(RecommendationShop.Staple, wholesaler.Items[0].Product.Sku);
    }

    [Fact]
    public async Task An_order_placed_now_removes_its_items_at_once_and_a_cancelled_one_stops_counting()
    {
        var buyer = Buyer("g2-u7");
        var before = Items(await RecommendationShop.GetAsync(buyer, "/api/recommendations?limit=5")).Select(Sku).ToList();
        var orders = shop.App.Services.GetRequiredService<OrderRepository>();

        await RecommendationShop.PlaceAsync(orders, "g2-u7", [before[0]], DateTimeOffset.UtcNow, "now-g2-u7", OrderStatus.Paid);
        var after = Items(await RecommendationShop.GetAsync(buyer, "/api/recommendations?limit=5")).Select(Sku).ToList();
        Assert.DoesNotContain(before[0], after);

        await orders.UpdateAsync("now-g2-u7", o => o with { Status = OrderStatus.Cancelled });
        var again = Items(await RecommendationShop.GetAsync(buyer, "/api/recommendations?limit=5")).Select(Sku).ToList();
        Assert.Contains(before[0], again);
    }

    [Fact]
    public async Task A_wholesaler_sees_the_staple_due_with_its_interval_until_they_reorder_it()
    {
        var buyer = Buyer(RecommendationShop.Wholesaler);
        var due = Items(await RecommendationShop.GetAsync(buyer, "/api/recommendations?slot=reorder")).ToList();
        var staple = Assert.Single(due, i => Sku(i) == RecommendationShop.Staple);
        var reason = staple["reasons"]![0]!;
        Assert.Equal("reorder_due", (string)reason["type"]!);
        Assert.Equal(20, (double)reason["usualIntervalDays"]!, 1.0);
        Assert.Equal(25, (double)reason["daysSinceLastOrder"]!, 1.0);
        Assert.Contains("every 20 days", (string)staple["explanation"]!);

        var orders = shop.App.Services.GetRequiredService<OrderRepository>();
        await RecommendationShop.PlaceAsync(orders, RecommendationShop.Wholesaler, [RecommendationShop.Staple], DateTimeOffset.UtcNow, "now-wholesaler", OrderStatus.Placed);

        Assert.DoesNotContain(Items(await RecommendationShop.GetAsync(buyer, "/api/recommendations?slot=reorder")), i => Sku(i) == RecommendationShop.Staple);
        Assert.DoesNotContain(Items(await RecommendationShop.GetAsync(buyer, "/api/recommendations?slot=home&limit=50")), i => Sku(i) == RecommendationShop.Staple);
        await orders.UpdateAsync("now-wholesaler", o => o with { Status = OrderStatus.Cancelled });
        Assert.Contains(Items(await RecommendationShop.GetAsync(buyer, "/api/recommendations?slot=reorder")), i => Sku(i) == RecommendationShop.Staple);
    }

    [Fact]
    public async Task Out_of_stock_inactive_and_low_margin_products_are_never_recommended()
    {
        var buyer = Buyer("g0-u4");
        var before = Items(await RecommendationShop.GetAsync(buyer, "/api/recommendations?limit=6")).Select(Sku).ToList();
        var (empty, archived, thin) = (before[0], before[1], before[2]);
        var catalog = shop.App.Services.GetRequiredService<ProductCatalog>();
        var inventory = shop.App.Services.GetRequiredService<InventoryService>();
        await inventory.AdjustAsync(empty, -(await inventory.GetAsync(empty))!.Available, "sold out", "test");
        var archivedProduct = (await catalog.GetAsync(archived))!.Product;
        var thinProduct = (await catalog.GetAsync(thin))!.Product;
        await catalog.UpsertManyAsync([archivedProduct with { Status = ProductStatus.Archived }, thinProduct with { Cost = thinProduct.ListPrice * 0.95m }]);

        var after = await Poll.UntilAsync(async () => Items(await RecommendationShop.GetAsync(buyer, "/api/recommendations?limit=6")).Select(Sku).ToList(), skus => !skus.Contains(empty),
            TimeSpan.FromSeconds(30), "the sold-out product to leave the recommendations", TimeSpan.FromMilliseconds(200), skus => string.Join(", ", skus));
        Assert.DoesNotContain(archived, after);
        Assert.DoesNotContain(thin, after);
        var anonymous = Items(await RecommendationShop.GetAsync(shop.App.Client, "/api/recommendations?limit=50")).Select(Sku).ToList();
        Assert.Empty(anonymous.Intersect([empty, archived, thin]));
    }

    [Fact]
    public async Task Anonymous_visitors_get_popular_and_trending_items_or_items_like_the_product()
    {
        var home = await RecommendationShop.GetAsync(shop.App.Client, "/api/recommendations");
        Assert.False((bool)home["personalised"]!);
        Assert.Equal(10, Items(home).Count());
        Assert.All(Items(home), i => Assert.Contains((string)i["reasons"]![0]!["type"]!, new[] { "trending", "popular_in_segment" }));

        var product = await RecommendationShop.GetAsync(shop.App.Client, "/api/recommendations?slot=product&sku=g1-i1&limit=4");
        var items = Items(product).ToList();
        Assert.DoesNotContain(items, i => Sku(i) == "g1-i1");
        Assert.All(items, i =>
        {
            Assert.Equal("g1", Group(Sku(i)));
            Assert.Equal("g1-i1", (string)i["reasons"]![0]!["sku"]!);
            Assert.Contains("Group 1 item 1", (string)i["explanation"]!);
        });
    }

    [Fact]
    public async Task The_cart_slot_suggests_companions_of_the_cart_and_leaves_the_cart_out()
    {
        var buyer = Buyer("g2-u1");
        Assert.Equal(HttpStatusCode.OK, (await buyer.PutAsJsonAsync("/api/cart/items/g2-i0", new { quantity = 2 })).StatusCode);

        var items = Items(await RecommendationShop.GetAsync(buyer, "/api/recommendations?slot=cart&limit=3")).ToList();

        Assert.NotEmpty(items);
        Assert.DoesNotContain(items, i => Sku(i) == "g2-i0");
        Assert.Contains(items, i => (string?)i["reasons"]![0]!["sku"] == "g2-i0" && Group(Sku(i)) == "g2");
    }

    [Theory]
    [InlineData("slot=everything", "slot")]
    [InlineData("slot=1", "slot")]
    [InlineData("slot=product", "sku")]
    [InlineData("slot=product&sku=bad%20sku", "sku")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=51", "limit")]
    public async Task Bad_queries_are_problem_details_naming_the_field(string query, string field)
    {
        var response = await shop.App.Client.GetAsync($"/api/recommendations?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull(problem["errors"]![field]);
    }

    [Fact]
    public async Task The_registry_lists_the_live_version_with_its_metrics_and_rolls_back_and_forward()
    {
        var models = (await shop.Admin.GetFromJsonAsync<JsonArray>("/api/models"))!;
        var recommendations = models.Single(m => (string)m!["kind"]! == "recommendations")!;
        var version = (string)shop.Training["version"]!;
        Assert.Equal(version, (string)recommendations["liveVersion"]!);
        var manifest = recommendations["versions"]![0]!["manifest"]!;
        Assert.True((bool)recommendations["versions"]![0]!["live"]!);
        Assert.Equal((double)shop.Training["metrics"]!["ndcg_at_10"]!, (double)manifest["metrics"]!["ndcg_at_10"]!);
        Assert.InRange((double)manifest["metrics"]!["precision_at_10"]!, 0.0001, 1);
        Assert.Equal(new[] { "model.bin", "ranker.zip" }, manifest["files"]!.AsArray().Select(f => (string)f!));
        Assert.Equal("28", (string)manifest["parameters"]!["HoldoutDays"]!);

        var again = await shop.Admin.PostAsJsonAsync("/api/models/recommendations/promote", new { version, reason = "same again" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("same again", (string)(await again.Content.ReadFromJsonAsync<JsonObject>())!["reason"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await shop.Admin.PostAsJsonAsync("/api/models/recommendations/promote", new { version = "20000101-000000-abcdef" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await shop.Admin.PostAsJsonAsync("/api/models/churn-x/promote", new { version })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await shop.Admin.PostAsJsonAsync("/api/models/recommendations/promote", new { version = "../../etc" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await shop.Admin.PostAsync("/api/models/recommendations/promote", new StringContent("{", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Theory]
    [InlineData("GET", "/api/models")]
    [InlineData("POST", "/api/models/recommendations/train")]
    [InlineData("POST", "/api/models/recommendations/promote")]
    public async Task Model_routes_are_for_admins_only(string method, string url)
    {
        var anonymous = await shop.App.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = JsonContent.Create(new { version = "x" }) });
        var customer = await Buyer("g0-u1").SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = JsonContent.Create(new { version = "x" }) });

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, customer.StatusCode);
    }
}

public sealed class RecommendationTrainingFailureTests
{
    [Fact]
    public async Task Training_without_history_fails_visibly_and_serving_goes_on_without_a_model()
    {
        await using var app = await FunctionAppHarness.StartAsync(CommerceApp.CreateBuilder, new Dictionary<string, string> { ["Catalog:SeedDemoData"] = "false" });
        var admin = app.ClientFor("ops", Roles.Admin);

        var response = await admin.PostAsync("/api/models/recommendations/train", null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var models = (await admin.GetFromJsonAsync<JsonArray>("/api/models"))!;
        var recommendations = models.Single(m => (string)m!["kind"]! == "recommendations")!;
        Assert.Null(recommendations["liveVersion"]);
        Assert.Contains("No purchases", (string)Assert.Single(recommendations["failures"]!.AsArray())!["error"]!);
        var list = await RecommendationShop.GetAsync(app.Client, "/api/recommendations");
        Assert.Null(list["modelVersion"]);
        Assert.Empty(list["items"]!.AsArray());
    }
}

public sealed class RecommendationModelSwapTests(RecommendationShop shop) : IClassFixture<RecommendationShop>
{
    [Fact]
    public async Task Requests_during_promotions_all_succeed_and_see_one_whole_model_or_the_other()
    {
        var first = (string)shop.Training["version"]!;
        var response = await shop.Admin.PostAsync("/api/models/recommendations/train", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var second = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["version"]!;
        var seen = new System.Collections.Concurrent.ConcurrentBag<string?>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(async () =>
        {
            var buyer = shop.App.ClientFor($"g{r % 3}-u{r}", Roles.Customer);
            while (!stop.IsCancellationRequested)
            {
                var list = await RecommendationShop.GetAsync(buyer, "/api/recommendations?limit=5");
                Assert.Equal(5, list["items"]!.AsArray().Count);
                seen.Add((string?)list["modelVersion"]);
            }
        })).ToList();
        var promotions = 0;
        while (!stop.IsCancellationRequested)
        {
            var version = promotions++ % 2 == 0 ? second : first;
            Assert.Equal(HttpStatusCode.OK, (await shop.Admin.PostAsJsonAsync("/api/models/recommendations/promote", new { version })).StatusCode);
            await Task.Delay(1_200);
        }
        await Task.WhenAll(readers);

        Assert.Equal(HttpStatusCode.OK, (await shop.Admin.PostAsJsonAsync("/api/models/recommendations/promote", new { version = first })).StatusCode);
        Assert.Subset(new HashSet<string?> { first, second }, seen.ToHashSet());
        Assert.Contains(second, seen);
        await Poll.UntilAsync(async () => (string?)(await RecommendationShop.GetAsync(shop.App.Client, "/api/recommendations"))["modelVersion"], served => served == first,
            TimeSpan.FromSeconds(30), "the promoted model to be served", TimeSpan.FromMilliseconds(100));
    }
}

public sealed class TrainingScheduleTests
{
    [Theory]
    [InlineData("Recommendations:TrainingSchedule", Commerce.Functions.Recommendations.RecommendationsSetup.TrainFunction)]
    [InlineData("Churn:TrainingSchedule", Commerce.Functions.Retention.ChurnSetup.TrainFunction)]
    public void A_bad_training_schedule_stops_start_up_naming_the_setting_and_a_good_one_drives_the_timer(string setting, string function)
    {
        var bad = Assert.Throws<Commerce.Hosting.Settings.SettingsException>(() => CommerceApp.CreateBuilder([$"--{setting}=every night"]));
        Assert.Contains(setting, bad.Message);

        var app = CommerceApp.CreateBuilder([$"--{setting}=0 15 4 * * *"]);
        var timer = Assert.IsType<Commerce.Hosting.Functions.TimerFunction>(app.Functions.Find(function));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 4, 15, 0, TimeSpan.Zero), timer.Schedule.GetNextOccurrence(new DateTimeOffset(2026, 1, 2, 3, 0, 0, TimeSpan.Zero)));
    }
}
