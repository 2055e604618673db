using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Catalog.Customers;
using Commerce.Catalog.Pricing;
using Commerce.Events.Outbox;
using Commerce.Functions.Tests.Checkout;
using Commerce.Orders.Orders;
using Commerce.Retention.Campaigns;
using Commerce.Retention.Notifications;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Retention;

/// <summary>
/// A whole campaign on the embedded app: customers with a year of orders, an interventions table saved over the
/// API, a campaign whose treated customers find their code in the inbox and some of them spend it, a measurement
/// window of seconds, and the results checked against a recount of what the test did.
/// </summary>
public sealed class CampaignTests : IAsyncLifetime
{
    private const int Customers = 40;
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private Shop _shop = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _shop = await Shop.OpenAsync(new Dictionary<string, string>
        {
            ["Campaigns:MessagesPerSecond"] = "1000",
            ["Campaigns:BatchSize"] = "7",
            ["Notifications:QuietHours"] = "00:00-00:00",
            ["Notifications:MaxMarketingPerWeek"] = "5",
        });
        _admin = _shop.Admin();
        await _shop.AddProductAsync("MUG", 10m, 1_000);
        var customers = _shop.App.Services.GetRequiredService<CustomerService>();
        var orders = _shop.App.Services.GetRequiredService<OrderRepository>();
        for (var i = 0; i < Customers; i++)
        {
            var id = $"shopper-{i:D2}";
            await customers.PutAsync(new Customer { Id = id, Email = $"{id}@example.com", CreatedAt = Now.AddDays(-400) }, null);
            // Every other customer has not ordered for 200 days (lapsed against a 30-day rhythm); the rest ordered last week.
            var last = i % 2 == 0 ? 200 : 7;
            foreach (var daysAgo in new[] { last + 60, last + 30, last })
                await orders.CreateAsync(HistoryOrder($"h-{id}-{daysAgo}", id, Now.AddDays(-daysAgo)));
        }
    }

    private static Order HistoryOrder(string id, string customer, DateTimeOffset at) => new()
    {
        Id = id, CustomerId = customer, Status = OrderStatus.Completed, Currency = "GBP",
        Lines = [new OrderLine("MUG", "Red mug", 3, 10m, 30m)], Total = 30m, PaymentMethod = "history-import",
        PlacedAt = at, PaidAt = at, CompletedAt = at,
    };

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _shop.DisposeAsync();
    }

    private static object Rules => new
    {
        rules = new object[]
        {
            new { id = "win-back", stage = "Lapsed", action = new { kind = "coupon", percentOff = 20, validDays = 14 } },
            new { id = "regulars", action = new { kind = "reorder_reminder" } },
        },
    };

    [Fact]
    public async Task A_campaign_treats_all_but_its_holdout_once_and_its_results_match_a_recount_of_what_customers_did()
    {
        var saved = await _admin.PutAsJsonAsync("/api/retention/rules", Rules);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var body = new { name = "Spring win-back", holdoutShare = 0.25, measurementWindow = "00:00:30" };
        var started = await StartCampaignAsync(_admin, body, "spring");
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        // A retry with the same key starts nothing new.
        var retried = await StartCampaignAsync(_admin, body, "spring");
        Assert.Equal((HttpStatusCode.Accepted, id), (retried.StatusCode, (string)(await retried.Content.ReadFromJsonAsync<JsonObject>())!["id"]!));
        Assert.Single((await _admin.GetFromJsonAsync<JsonObject>("/api/retention/campaigns"))!["campaigns"]!.AsArray());

        var campaign = await WaitForAsync(id, c => (string?)c["status"] == "measuring");
        var audience = campaign["audience"]!;
        var store = _shop.App.Services.GetRequiredService<CampaignStore>();
        var members = await store.MembersAsync(id);
        var treated = members.Where(m => m.Group == CampaignGroup.Treated).ToList();
        Assert.Equal((Customers, treated.Count, Customers - treated.Count), ((int)audience["customers"]!, (int)audience["treated"]!, (int)audience["control"]!));
        Assert.Equal(members.Count(m => m.Snapshot.RecencyDays >= 200), (int)audience["byAction"]!["coupon"]!);
        Assert.All(members, m => Assert.Equal(m.Snapshot.RecencyDays >= 200 ? "win-back" : "regulars", m.RuleId));
        Assert.All(members.Where(m => m.Group == CampaignGroup.Control), m => Assert.Null(m.TreatedAt));

        // Every treated customer has one message; the coupon holders find their code in the inbox, and every other one uses it.
        var buyers = new List<(string Customer, decimal Total)>();
        var opens = new Dictionary<string, (string Customer, string Code, DateTimeOffset ReadAt)>();
        var couponHolders = 0;
        foreach (var member in treated)
        {
            using var customer = _shop.Customer(member.CustomerId);
            var message = Assert.Single(await WaitForInboxAsync(customer));
            Assert.Equal(member.NotificationId, (string?)message["id"]);
            if (member.Action.PercentOff is null)
            {
                Assert.Equal("reorder_reminder", (string?)message["topic"]);
                continue;
            }
            var code = (string)message["offerCode"]!;
            Assert.Equal(member.Code, code);
            if (couponHolders++ % 2 == 0)
            {
                var placed = await Shop.CheckoutAsync(customer, new { paymentMethod = "pm_card_visa", coupon = code, lines = new[] { new { sku = "MUG", quantity = 2 } } });
                Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
                buyers.Add((member.CustomerId, (decimal)(await placed.Content.ReadFromJsonAsync<JsonObject>())!["total"]!));
                // Single use: the same code a second time is refused, and changes nothing.
                var again = await Shop.CheckoutAsync(customer, new { paymentMethod = "pm_card_visa", coupon = code, lines = new[] { new { sku = "MUG", quantity = 1 } } });
                Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
            }
            var read = await customer.PostAsync($"/api/customers/me/notifications/{(string)message["id"]!}/read", null);
            var readAt = (DateTimeOffset)(await read.Content.ReadFromJsonAsync<JsonObject>())!["readAt"]!;
            // Read again (a retry, or another device): still the first read, and still one opened event.
            var reread = await customer.PostAsync($"/api/customers/me/notifications/{(string)message["id"]!}/read", null);
            Assert.Equal(readAt, (DateTimeOffset)(await reread.Content.ReadFromJsonAsync<JsonObject>())!["readAt"]!);
            opens[member.NotificationId!] = (member.CustomerId, member.Code!, readAt);
        }
        var outbox = _shop.App.Services.GetRequiredService<EventOutbox>();
        foreach (var member in treated)
        {
            var events = await outbox.ReadAsync(NotificationEvents.Subject(member.NotificationId!));
            if (!opens.TryGetValue(member.NotificationId!, out var open))
            {
                Assert.Empty(events);
                continue;
            }
            var opened = Assert.Single(events);
            Assert.Equal((SystemEventTypes.NotificationOpened, open.Customer, "in_app", open.ReadAt), (opened.Type, opened.CustomerId, opened.Channel, opened.Time));
            Assert.Equal((member.NotificationId, id, open.Code), (opened.NotificationId, opened.CampaignId, opened.OfferCode));
        }
        foreach (var member in members.Where(m => m.Group == CampaignGroup.Control))
        {
            using var customer = _shop.Customer(member.CustomerId);
            Assert.Empty((await customer.GetFromJsonAsync<JsonObject>("/api/customers/me/notifications"))!["messages"]!.AsArray());
        }
        var promotions = await _shop.App.Services.GetRequiredService<PricingStore>().PromotionsAsync();
        Assert.Equal(treated.Count(m => m.Code is not null), promotions.Count(p => p.Id.StartsWith($"cmp-{id}-", StringComparison.Ordinal)));

        var done = await WaitForAsync(id, c => (string?)c["status"] == "completed");
        var results = done["results"]!;
        var spenders = buyers.Where(b => b.Total > 0).ToList();
        Assert.Equal((treated.Count, spenders.Count), ((int)results["treated"]!["customers"]!, (int)results["treated"]!["repurchased"]!));
        Assert.Equal((Customers - treated.Count, 0), ((int)results["control"]!["customers"]!, (int)results["control"]!["repurchased"]!));
        Assert.Equal(spenders.Sum(b => b.Total), (decimal)results["treated"]!["revenue"]!);
        Assert.Equal(spenders.Count, (int)results["codesRedeemed"]!);
        // 20% off: each order's price before the code was total / 0.8.
        Assert.Equal(Math.Round(spenders.Sum(b => b.Total * 20 / 80), 2), (decimal)results["couponCost"]!);
        Assert.True((double)results["repurchaseUplift"]!["estimate"]! > 0);
        Assert.Equal("", (string)done["codeSalt"]!);

        // One marketing email per treated customer, none to the control group; order updates are the only other mail.
        var email = _shop.App.Services.GetRequiredService<IEnumerable<IMessageSender>>().OfType<FolderMessageSender>().Single(s => s.Channel == NotificationChannel.Email);
        var marketing = Directory.GetFiles(email.Folder).Select(f => JsonNode.Parse(File.ReadAllText(f))!)
            .Where(m => (string?)m["subject"] is not ("Order confirmed" or "Your order is on its way" or "Your order has arrived" or "Order cancelled"))
            .GroupBy(m => (string)m["to"]!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(treated.ToDictionary(m => $"{m.CustomerId}@example.com", _ => 1).OrderBy(p => p.Key), marketing.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task The_rules_are_versioned_guarded_by_etags_and_refused_with_field_errors_when_invalid()
    {
        var first = await _admin.PutAsJsonAsync("/api/retention/rules", Rules);
        var etag = first.Headers.ETag!.Tag;
        Assert.Equal(1, (int)(await first.Content.ReadFromJsonAsync<JsonObject>())!["version"]!);

        var unconditional = await _admin.PutAsJsonAsync("/api/retention/rules", Rules);
        Assert.Equal(HttpStatusCode.PreconditionRequired, unconditional.StatusCode);

        var invalid = new HttpRequestMessage(HttpMethod.Put, "/api/retention/rules")
        {
            Content = JsonContent.Create(new { rules = new object[] { new { id = "x", stage = "Sleepy", action = new { kind = "teleport" } }, new { id = "y", action = new { kind = "net_terms_offer" } } } }),
        };
        invalid.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        var refused = await _admin.SendAsync(invalid);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["rules[0].action.kind", "rules[0].stage", "rules[1].customerType"], errors.Select(e => e.Key).Order());

        var second = new HttpRequestMessage(HttpMethod.Put, "/api/retention/rules") { Content = JsonContent.Create(new { rules = Array.Empty<object>() }) };
        second.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        Assert.Equal(HttpStatusCode.OK, (await _admin.SendAsync(second)).StatusCode);
        var stale = new HttpRequestMessage(HttpMethod.Put, "/api/retention/rules") { Content = JsonContent.Create(Rules) };
        stale.Headers.IfMatch.Add(new EntityTagHeaderValue(etag));
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await _admin.SendAsync(stale)).StatusCode);

        var version1 = (await _admin.GetFromJsonAsync<JsonObject>("/api/retention/rules/versions/1"))!;
        Assert.Equal(2, version1["rules"]!.AsArray().Count);
        var current = (await _admin.GetFromJsonAsync<JsonObject>("/api/retention/rules"))!;
        Assert.Equal((2, 0), ((int)current["version"]!, current["rules"]!.AsArray().Count));
        // With an empty table there is nothing to run.
        var campaign = await StartCampaignAsync(_admin, new { name = "Nothing to do" });
        Assert.Equal(HttpStatusCode.Conflict, campaign.StatusCode);
    }

    [Fact]
    public async Task Preferences_are_validated_and_an_order_update_reaches_the_inbox_on_its_own()
    {
        using var customer = _shop.Customer("shopper-01");
        var bad = await customer.PutAsJsonAsync("/api/customers/me/notification-preferences", new { optedOut = new[] { "pigeon" }, timeZone = "Mars/Olympus", phone = "12" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["optedOut", "phone", "timeZone"], errors.Select(e => e.Key).Order());
        var good = await customer.PutAsJsonAsync("/api/customers/me/notification-preferences", new { optedOut = new[] { "email", "sms" }, timeZone = "Europe/Paris" });
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);

        var order = await Shop.PlaceAsync(customer, "pm_card_visa", "MUG", 1);
        await Shop.WaitForStatusAsync(customer, order, "Completed");
        var inbox = await WaitForInboxAsync(customer, 2);
        Assert.Equal(["order_completed", "order_paid"], inbox.Select(m => (string)m["topic"]!).Order());
    }

    [Fact]
    public async Task New_buyers_get_the_welcome_and_a_follow_up_unless_they_ordered_and_wholesale_offers_wait_for_an_admin()
    {
        var customers = _shop.App.Services.GetRequiredService<CustomerService>();
        var orders = _shop.App.Services.GetRequiredService<OrderRepository>();
        for (var i = 0; i < 6; i++)
        {
            var newcomer = $"newcomer-{i}";
            await customers.PutAsync(new Customer { Id = newcomer, Email = $"{newcomer}@example.com", CreatedAt = Now.AddDays(-5) }, null);
            await orders.CreateAsync(HistoryOrder($"h-{newcomer}", newcomer, Now.AddDays(-5)));
        }
        for (var i = 0; i < 3; i++)
        {
            var trader = $"trader-{i}";
            await customers.PutAsync(new Customer { Id = trader, Kind = CustomerKind.Business, CompanyName = $"Trader {i}", Email = $"{trader}@example.com", CreatedAt = Now.AddDays(-400) }, null);
            await orders.CreateAsync(HistoryOrder($"h-{trader}-1", trader, Now.AddDays(-100)) with { Lines = [new OrderLine("MUG", "Red mug", 300, 10m, 3_000m)], Total = 3_000m });
            await orders.CreateAsync(HistoryOrder($"h-{trader}-2", trader, Now.AddDays(-70)) with { Lines = [new OrderLine("MUG", "Red mug", 300, 10m, 3_000m)], Total = 3_000m });
        }
        var rules = new
        {
            rules = new object[]
            {
                new { id = "welcome", stage = "New", action = new { kind = "welcome_series", percentOff = 10, validDays = 30 } },
                new { id = "terms", customerType = "business", tier = "gold", action = new { kind = "net_terms_offer" } },
            },
        };
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/retention/rules", rules)).StatusCode);
        var started = await StartCampaignAsync(_admin, new { name = "Welcome and terms", holdoutShare = 0.01, measurementWindow = "00:00:12" });
        var id = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await WaitForAsync(id, c => (string?)c["status"] == "measuring");
        var members = await _shop.App.Services.GetRequiredService<CampaignStore>().MembersAsync(id);
        var welcomed = members.Where(m => m.Group == CampaignGroup.Treated && m.RuleId == "welcome").Select(m => m.CustomerId).Order().ToList();
        var traders = members.Where(m => m.Group == CampaignGroup.Treated && m.RuleId == "terms").Select(m => m.CustomerId).Order().ToList();
        Assert.True(welcomed.Count >= 2 && traders.Count >= 1, $"{welcomed.Count} newcomers and {traders.Count} traders treated");

        // The first newcomer places a second order before the follow-up is due; the offers to traders wait for an admin.
        using (var first = _shop.Customer(welcomed[0]))
            await Shop.PlaceAsync(first, "pm_card_visa", "MUG", 1);
        var tasks = (await _admin.GetFromJsonAsync<JsonObject>("/api/retention/tasks?status=awaiting_approval"))!["tasks"]!.AsArray();
        Assert.Equal(traders, tasks.Select(t => (string)t!["customerId"]!).Order());
        using (var trader = _shop.Customer(traders[0]))
            Assert.Empty((await trader.GetFromJsonAsync<JsonObject>("/api/customers/me/notifications"))!["messages"]!.AsArray());
        var taskId = (string)tasks[0]!["id"]!;
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsync($"/api/retention/tasks/{taskId}/maybe", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync($"/api/retention/tasks/{taskId}/done", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/retention/tasks/{taskId}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _admin.PostAsync($"/api/retention/tasks/{taskId}/approve", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsync($"/api/retention/tasks/{taskId}/decline", null)).StatusCode);

        await WaitForAsync(id, c => (string?)c["status"] == "completed");
        using (var approved = _shop.Customer((string)tasks[0]!["customerId"]!))
        {
            var inbox = await WaitForInboxAsync(approved);
            Assert.Equal("net_terms_offer", (string?)Assert.Single(inbox)["topic"]);
        }
        foreach (var newcomer in welcomed)
        {
            using var customer = _shop.Customer(newcomer);
            var topics = (await WaitForInboxAsync(customer, newcomer == welcomed[0] ? 3 : 2)).Select(m => (string)m["topic"]!).Order().ToList();
            Assert.Equal(newcomer == welcomed[0] ? ["order_paid", "welcome_series"] : ["welcome_follow_up", "welcome_series"], topics.Where(t => t != "order_completed"));
        }
    }

    /// <summary>POST /api/retention/campaigns with an Idempotency-Key (a fresh one unless given).</summary>
    public static Task<HttpResponseMessage> StartCampaignAsync(HttpClient admin, object body, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/retention/campaigns") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString("N"));
        return admin.SendAsync(request);
    }

    public static async Task<List<JsonObject>> WaitForInboxAsync(HttpClient customer, int atLeast = 1)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(50))
        {
            var messages = (await customer.GetFromJsonAsync<JsonObject>("/api/customers/me/notifications"))!["messages"]!.AsArray().Select(m => m!.AsObject()).ToList();
            if (messages.Count >= atLeast || DateTime.UtcNow > deadline)
                return messages;
        }
    }

    private async Task<JsonObject> WaitForAsync(string id, Func<JsonObject, bool> done)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(90); ; await Task.Delay(100))
        {
            var campaign = (await _admin.GetFromJsonAsync<JsonObject>($"/api/retention/campaigns/{id}"))!;
            if (done(campaign))
                return campaign;
            if ((string?)campaign["status"] == "failed" || DateTime.UtcNow > deadline)
                throw new TimeoutException($"Campaign {id}: {campaign}");
        }
    }
}
