using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Catalog.Customers;
using Commerce.Functions.Tests.Checkout;
using Commerce.Orders.Orders;
using Commerce.Retention.Campaigns;
using Commerce.Retention.Interventions;
using Commerce.Retention.Notifications;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Retention;

/// <summary>
/// One campaign on the embedded app makes the offers these tests act on: personal coupons to lapsed consumers,
/// net-terms offers to gold wholesale accounts without terms, credit-limit offers to platinum ones that have terms.
/// </summary>
public sealed class OfferCampaign : IAsyncLifetime
{
    public static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    /// <summary>What each gold account spent in the year (two orders of 3,000), and each platinum one (four).</summary>
    public const decimal GoldSpend = 6_000m, PlatinumSpend = 12_000m;

    public Shop Shop { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public List<CampaignMember> Lapsed { get; private set; } = [];
    public List<string> Gold { get; private set; } = [];
    public List<string> Platinum { get; private set; } = [];

    public async Task InitializeAsync()
    {
        Shop = await Shop.OpenAsync(new Dictionary<string, string>
        {
            ["Campaigns:MessagesPerSecond"] = "1000",
            ["Notifications:QuietHours"] = "00:00-00:00",
            ["Notifications:MaxMarketingPerWeek"] = "5",
        });
        Admin = Shop.Admin();
        await Shop.AddProductAsync("MUG", 10m, 10_000);
        var customers = Shop.App.Services.GetRequiredService<CustomerService>();
        var orders = Shop.App.Services.GetRequiredService<OrderRepository>();
        for (var i = 0; i < 6; i++)
        {
            var id = $"lapsed-{i}";
            await customers.PutAsync(new Customer { Id = id, CreatedAt = Now.AddDays(-400) }, null);
            foreach (var daysAgo in new[] { 260, 230, 200 })
                await orders.CreateAsync(HistoryOrder(id, daysAgo, 30m));
        }
        for (var i = 0; i < 7; i++)
        {
            var id = $"trader-{i}";
            await customers.PutAsync(new Customer { Id = id, Kind = CustomerKind.Business, CompanyName = $"Trader {i}", CreatedAt = Now.AddDays(-400) }, null);
            foreach (var daysAgo in new[] { 100, 70 })
                await orders.CreateAsync(HistoryOrder(id, daysAgo, GoldSpend / 2));
        }
        for (var i = 0; i < 2; i++)
        {
            var id = $"wholesaler-{i}";
            await customers.PutAsync(new Customer
            {
                Id = id, Kind = CustomerKind.Business, CompanyName = $"Wholesaler {i}", CreditLimit = 500m, CreditCurrency = "GBP", PaymentTermsDays = 14, CreatedAt = Now.AddDays(-400),
            }, null);
            foreach (var daysAgo in new[] { 100, 70, 40, 10 })
                await orders.CreateAsync(HistoryOrder(id, daysAgo, PlatinumSpend / 4));
        }
        var rules = new
        {
            rules = new object[]
            {
                new { id = "win-back", stage = "Lapsed", action = new { kind = "coupon", percentOff = 20, validDays = 14 } },
                new { id = "more-credit", customerType = "business", tier = "platinum", action = new { kind = "credit_limit_offer" } },
                new { id = "terms", customerType = "business", tier = "gold", action = new { kind = "net_terms_offer" } },
            },
        };
        Assert.Equal(HttpStatusCode.OK, (await Admin.PutAsJsonAsync("/api/retention/rules", rules)).StatusCode);
        var started = await CampaignTests.StartCampaignAsync(Admin, new { name = "Offers", holdoutShare = 0.01, measurementWindow = "01:00:00" });
        var campaignId = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        for (var deadline = DateTime.UtcNow.AddSeconds(90); ; await Task.Delay(100))
        {
            var status = (string?)(await Admin.GetFromJsonAsync<JsonObject>($"/api/retention/campaigns/{campaignId}"))!["status"];
            if (status == "measuring")
                break;
            if (status == "failed" || DateTime.UtcNow > deadline)
                throw new TimeoutException($"Campaign {campaignId} is {status}");
        }
        var treated = (await Shop.App.Services.GetRequiredService<CampaignStore>().MembersAsync(campaignId)).Where(m => m.Group == CampaignGroup.Treated).ToList();
        Lapsed = treated.Where(m => m.RuleId == "win-back").OrderBy(m => m.CustomerId, StringComparer.Ordinal).ToList();
        Gold = treated.Where(m => m.RuleId == "terms").Select(m => m.CustomerId).Order(StringComparer.Ordinal).ToList();
        Platinum = treated.Where(m => m.RuleId == "more-credit").Select(m => m.CustomerId).Order(StringComparer.Ordinal).ToList();
    }

    private static Order HistoryOrder(string customer, int daysAgo, decimal total) => new()
    {
        Id = $"h-{customer}-{daysAgo}", CustomerId = customer, Status = OrderStatus.Completed, Currency = "GBP",
        Lines = [new OrderLine("MUG", "Red mug", (int)(total / 10m), 10m, total)], Total = total, PaymentMethod = "history-import",
        PlacedAt = Now.AddDays(-daysAgo), PaidAt = Now.AddDays(-daysAgo), CompletedAt = Now.AddDays(-daysAgo),
    };

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Shop.DisposeAsync();
    }
}

public sealed class OfferActionsTests(OfferCampaign campaign) : IClassFixture<OfferCampaign>
{
    private readonly HttpClient _admin = campaign.Admin;
    private readonly Shop _shop = campaign.Shop;

    private static object NetTermsOrder(int mugs) => new { paymentMethod = "pm_net_terms", lines = new[] { new { sku = "MUG", quantity = mugs } } };

    private async Task<JsonObject> PromotionAsync(string id) =>
        (await _admin.GetFromJsonAsync<JsonArray>("/api/promotions"))!.Select(p => p!.AsObject()).Single(p => (string?)p["id"] == id);

    private async Task<JsonObject> AccountAsync(string customerId) => (await _admin.GetFromJsonAsync<JsonObject>($"/api/customers/{customerId}"))!;

    private async Task<JsonObject> TaskOfAsync(string customerId) =>
        (await _admin.GetFromJsonAsync<JsonObject>("/api/retention/tasks?pageSize=100"))!["tasks"]!.AsArray().Select(t => t!.AsObject()).Single(t => (string?)t["customerId"] == customerId);

    private async Task<List<JsonObject>> InboxAsync(string customerId, int atLeast)
    {
        using var customer = _shop.Customer(customerId);
        return await CampaignTests.WaitForInboxAsync(customer, atLeast);
    }

    [Fact]
    public async Task A_retention_coupon_is_refused_to_another_customer_as_an_invalid_code_and_spent_by_its_owner()
    {
        var (owner, stranger) = (campaign.Lapsed[0], campaign.Lapsed[1].CustomerId);
        var code = owner.Code!;
        Assert.Equal(owner.CustomerId, (string?)(await PromotionAsync(CampaignTreatment.OfferId(owner.CampaignId, owner.CustomerId)))["customerId"]);

        using (var other = _shop.Customer(stranger))
        {
            var orders = (await other.GetFromJsonAsync<JsonObject>("/api/orders"))!["orders"]!.ToJsonString();
            var stolen = await Shop.ProblemAsync(await Shop.CheckoutAsync(other, new { paymentMethod = "pm_card_visa", coupon = code, lines = new[] { new { sku = "MUG", quantity = 2 } } }), HttpStatusCode.BadRequest);
            var unknown = await Shop.ProblemAsync(await Shop.CheckoutAsync(other, new { paymentMethod = "pm_card_visa", coupon = "RNOSUCHCODE1", lines = new[] { new { sku = "MUG", quantity = 2 } } }), HttpStatusCode.BadRequest);
            Assert.Equal(((string)unknown["errors"]!["coupon"]![0]!).Replace("RNOSUCHCODE1", code, StringComparison.Ordinal), (string?)stolen["errors"]!["coupon"]![0]);
            Assert.DoesNotContain(owner.CustomerId, stolen.ToJsonString(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.BadRequest, (await other.GetAsync($"/api/products/MUG/price?quantity=2&coupon={code}")).StatusCode);
            Assert.Equal(orders, (await other.GetFromJsonAsync<JsonObject>("/api/orders"))!["orders"]!.ToJsonString());
        }
        Assert.Equal(0, (int)(await PromotionAsync(CampaignTreatment.OfferId(owner.CampaignId, owner.CustomerId)))["timesUsed"]!);

        using var customer = _shop.Customer(owner.CustomerId);
        var placed = await Shop.CheckoutAsync(customer, new { paymentMethod = "pm_card_visa", coupon = code, lines = new[] { new { sku = "MUG", quantity = 2 } } });
        Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
        Assert.Equal(2 * 10m * 0.8m, (decimal)(await placed.Content.ReadFromJsonAsync<JsonObject>())!["total"]!);
        Assert.Equal(1, (int)(await PromotionAsync(CampaignTreatment.OfferId(owner.CampaignId, owner.CustomerId)))["timesUsed"]!);
    }

    [Fact]
    public async Task The_admin_api_restricts_a_coupon_to_one_customer_and_an_unrestricted_one_works_for_anyone()
    {
        var (alice, bob) = (campaign.Lapsed[2].CustomerId, campaign.Lapsed[3].CustomerId);
        var noCoupon = await Shop.ProblemAsync(await _admin.PostAsJsonAsync("/api/promotions", new { name = "Mine", kind = "percentOff", value = 5m, customerId = alice }), HttpStatusCode.BadRequest);
        Assert.NotNull(noCoupon["errors"]!["customerId"]);
        var nobody = await Shop.ProblemAsync(await _admin.PostAsJsonAsync("/api/promotions", new { name = "Mine", kind = "percentOff", value = 5m, coupon = "NOBODY5", customerId = "no-such-account" }), HttpStatusCode.BadRequest);
        Assert.NotNull(nobody["errors"]!["customerId"]);
        var badTime = await Shop.ProblemAsync(await _admin.PostAsJsonAsync("/api/promotions", new { name = "Later", kind = "percentOff", value = 5m, coupon = "LATER5", customerId = alice, validTo = "soon" }), HttpStatusCode.BadRequest);
        Assert.Equal(["validTo"], badTime["errors"]!.AsObject().Select(e => e.Key));

        var created = await _admin.PostAsJsonAsync("/api/promotions", new { id = "alice-5", name = "Alice's", kind = "percentOff", value = 5m, coupon = "ALICE5", usageLimit = 3, customerId = alice });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(alice, (string?)(await created.Content.ReadFromJsonAsync<JsonObject>())!["customerId"]);
        Assert.Equal(alice, (string?)(await PromotionAsync("alice-5"))["customerId"]);
        Assert.Equal(HttpStatusCode.Created, (await _admin.PostAsJsonAsync("/api/promotions", new { id = "all-5", name = "Everyone's", kind = "percentOff", value = 5m, coupon = "ALL5" })).StatusCode);
        Assert.Null((await PromotionAsync("all-5"))["customerId"]);

        using var aliceClient = _shop.Customer(alice);
        using var bobClient = _shop.Customer(bob);
        Assert.Equal(9.50m, (decimal)(await aliceClient.GetFromJsonAsync<JsonObject>("/api/products/MUG/price?coupon=alice5"))!["total"]!);
        Assert.Equal(HttpStatusCode.BadRequest, (await bobClient.GetAsync("/api/products/MUG/price?coupon=ALICE5")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _shop.App.Client.GetAsync("/api/products/MUG/price?coupon=ALICE5")).StatusCode);
        foreach (var client in new[] { aliceClient, bobClient })
        {
            var placed = await Shop.CheckoutAsync(client, new { paymentMethod = "pm_card_visa", coupon = "ALL5", lines = new[] { new { sku = "MUG", quantity = 1 } } });
            Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
            Assert.Equal(9.50m, (decimal)(await placed.Content.ReadFromJsonAsync<JsonObject>())!["total"]!);
        }
        Assert.Equal(2, (int)(await PromotionAsync("all-5"))["timesUsed"]!);
    }

    [Fact]
    public async Task Approving_a_net_terms_offer_grants_the_proposed_terms_once_and_net_terms_checkout_then_succeeds()
    {
        var trader = campaign.Gold[0];
        using var customer = _shop.Customer(trader);
        var refused = await Shop.ProblemAsync(await Shop.CheckoutAsync(customer, NetTermsOrder(50)), HttpStatusCode.BadRequest);
        Assert.NotNull(refused["errors"]!["paymentMethod"]);

        // Two months of the account's average monthly spend over the year; the shop's default 30 days.
        var task = await TaskOfAsync(trader);
        var expected = new { creditLimit = 2 * OfferCampaign.GoldSpend / 12, currency = "GBP", paymentTermsDays = 30 };
        Assert.Equal(expected, ToTerms(task["proposedTerms"]!));
        var id = (string)task["id"]!;

        var approved = await _admin.PostAsync($"/api/retention/tasks/{id}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var first = (await approved.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(expected, ToTerms(first["approvedTerms"]!));
        var account = await AccountAsync(trader);
        Assert.Equal((1_000m, "GBP", 30, id), ((decimal)account["creditLimit"]!, (string?)account["creditCurrency"], (int)account["paymentTermsDays"]!, (string?)account["creditTermsOfferId"]));

        var again = await _admin.PostAsJsonAsync($"/api/retention/tasks/{id}/approve", new { creditLimit = 5_000m });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var unchanged = (await again.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((expected, (string?)first["decidedAt"]), (ToTerms(unchanged["approvedTerms"]!), (string?)unchanged["decidedAt"]));
        Assert.Equal(account.ToJsonString(), (await AccountAsync(trader)).ToJsonString());
        var message = Assert.Single(await InboxAsync(trader, 1));
        Assert.Equal("net_terms_offer", (string?)message["topic"]);
        // News of a change to the account: transactional, so no marketing cap, quiet hours or opt-out holds it back.
        var stored = await _shop.App.Services.GetRequiredService<NotificationStore>().GetAsync(trader, (string)message["id"]!);
        Assert.Equal(NotificationCategory.Transactional, stored!.Category);
        Assert.Contains("30 days", (string)message["body"]!, StringComparison.Ordinal);
        Assert.Contains("GBP 1,000.00", (string)message["body"]!, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Accepted, (await Shop.CheckoutAsync(customer, NetTermsOrder(50))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Shop.CheckoutAsync(customer, NetTermsOrder(101))).StatusCode);
    }

    [Fact]
    public async Task An_admin_approves_with_their_own_terms_and_a_credit_limit_offer_raises_an_existing_limit()
    {
        var trader = campaign.Gold[1];
        var id = (string)(await TaskOfAsync(trader))["id"]!;
        var approved = await _admin.PostAsJsonAsync($"/api/retention/tasks/{id}/approve", new { creditLimit = 750m, currency = "gbp", paymentTermsDays = 45 });
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var account = await AccountAsync(trader);
        Assert.Equal((750m, "GBP", 45), ((decimal)account["creditLimit"]!, (string?)account["creditCurrency"], (int)account["paymentTermsDays"]!));

        var wholesaler = campaign.Platinum[0];
        using var customer = _shop.Customer(wholesaler);
        Assert.Equal(HttpStatusCode.BadRequest, (await Shop.CheckoutAsync(customer, NetTermsOrder(100))).StatusCode);
        var offer = await TaskOfAsync(wholesaler);
        // The larger of two months' spend and the limit it has, at the terms it has.
        Assert.Equal(new { creditLimit = Math.Max(2 * OfferCampaign.PlatinumSpend / 12, 500m), currency = "GBP", paymentTermsDays = 14 }, ToTerms(offer["proposedTerms"]!));
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/retention/tasks/{(string)offer["id"]!}/approve", null)).StatusCode);
        Assert.Equal(2_000m, (decimal)(await AccountAsync(wholesaler))["creditLimit"]!);
        Assert.Equal(HttpStatusCode.Accepted, (await Shop.CheckoutAsync(customer, NetTermsOrder(100))).StatusCode);
        Assert.Equal("credit_limit_offer", (string?)Assert.Single(await InboxAsync(wholesaler, 1))["topic"]);
    }

    [Fact]
    public async Task Declining_or_approving_with_bad_values_leaves_the_account_as_it_was()
    {
        var (declined, invalid) = (campaign.Gold[2], campaign.Gold[3]);
        var before = (await AccountAsync(declined)).ToJsonString();
        var declinedId = (string)(await TaskOfAsync(declined))["id"]!;
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsJsonAsync($"/api/retention/tasks/{declinedId}/decline", new { creditLimit = 10m })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/retention/tasks/{declinedId}/decline", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync($"/api/retention/tasks/{declinedId}/approve", null)).StatusCode);
        Assert.Equal(before, (await AccountAsync(declined)).ToJsonString());

        before = (await AccountAsync(invalid)).ToJsonString();
        var invalidId = (string)(await TaskOfAsync(invalid))["id"]!;
        var refused = await Shop.ProblemAsync(await _admin.PostAsJsonAsync($"/api/retention/tasks/{invalidId}/approve", new { creditLimit = -5m, currency = "EUR", paymentTermsDays = 400 }), HttpStatusCode.BadRequest);
        Assert.Equal(["creditLimit", "currency", "paymentTermsDays"], refused["errors"]!.AsObject().Select(e => e.Key).Order());
        var zero = await Shop.ProblemAsync(await _admin.PostAsJsonAsync($"/api/retention/tasks/{invalidId}/approve", new { creditLimit = 0m, paymentTermsDays = 0 }), HttpStatusCode.BadRequest);
        Assert.Equal(["creditLimit", "paymentTermsDays"], zero["errors"]!.AsObject().Select(e => e.Key).Order());
        var malformed = new HttpRequestMessage(HttpMethod.Post, $"/api/retention/tasks/{invalidId}/approve") { Content = new StringContent("""{"creditLimit":"lots"}""", System.Text.Encoding.UTF8, "application/json") };
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.SendAsync(malformed)).StatusCode);

        Assert.Equal(before, (await AccountAsync(invalid)).ToJsonString());
        Assert.Equal("awaiting_approval", (string?)(await TaskOfAsync(invalid))["status"]);
        foreach (var trader in new[] { declined, invalid })
            Assert.Empty(await InboxAsync(trader, 0));
    }

    [Fact]
    public async Task An_approval_cut_short_after_the_account_changed_is_finished_by_the_next_one_without_a_second_change()
    {
        var trader = campaign.Gold[4];
        var task = await TaskOfAsync(trader);
        var id = (string)task["id"]!;
        // The first approval got as far as the account, then stopped.
        var customers = _shop.App.Services.GetRequiredService<CustomerService>();
        await customers.GrantCreditTermsAsync(trader, id, 1_200m, "GBP", 60);
        var granted = (await AccountAsync(trader)).ToJsonString();
        Assert.Equal("awaiting_approval", (string?)task["status"]);

        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync($"/api/retention/tasks/{id}/decline", null)).StatusCode);
        var finished = await _admin.PostAsync($"/api/retention/tasks/{id}/approve", null);
        Assert.Equal(HttpStatusCode.OK, finished.StatusCode);
        var decided = (await finished.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("approved", new { creditLimit = 1_200m, currency = "GBP", paymentTermsDays = 60 }), ((string?)decided["status"], ToTerms(decided["approvedTerms"]!)));
        Assert.Equal(granted, (await AccountAsync(trader)).ToJsonString());
        Assert.Contains("60 days", (string)Assert.Single(await InboxAsync(trader, 1))["body"]!, StringComparison.Ordinal);
    }

    private static object ToTerms(JsonNode terms) =>
        new { creditLimit = (decimal)terms["creditLimit"]!, currency = (string)terms["currency"]!, paymentTermsDays = (int)terms["paymentTermsDays"]! };
}
