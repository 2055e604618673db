using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Hosting.Auth;
using Commerce.Testing;
using Xunit.Abstractions;

namespace Commerce.Functions.Tests.Retention;

/// <summary>
/// The app process is killed (SIGKILL) twice while a campaign hands out its codes and messages, and restarted each
/// time. When the campaign has finished: every treated customer got exactly one marketing email and one in-app
/// message, and every coupon holder exactly one single-use code; the control group got nothing.
/// </summary>
public sealed class CampaignCrashTests(ITestOutputHelper output)
{
    private const int Customers = 60;

    [Fact]
    public async Task Killing_the_app_during_a_campaign_neither_sends_a_message_twice_nor_issues_a_code_twice()
    {
        await using var app = await CrashableApp.StartAsync("campaign-crash", new Dictionary<string, string?>
        {
            ["Queues__MessageLease"] = "00:00:03",
            ["Queues__MaxPollingInterval"] = "00:00:00.200",
            ["Campaigns__MessagesPerSecond"] = "4",
            ["Campaigns__BatchSize"] = "3",
            ["Campaigns__ParallelBatches"] = "1",
            ["Notifications__QuietHours"] = "00:00-00:00",
        });
        var outbox = Path.Combine(app.DataPath, "outbox", "email");
        int Sent() => Directory.Exists(outbox) ? Directory.GetFiles(outbox, "*.json").Length : 0;
        using var admin = app.ClientFor("ops", Roles.Admin);

        using (var csv = new StringContent(History(), Encoding.UTF8, "text/csv"))
            Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync("/api/analytics/history", csv)).StatusCode);
        for (var i = 0; i < Customers; i++)
        {
            using var customer = app.ClientFor(Id(i));
            Assert.Equal(HttpStatusCode.OK, (await customer.PatchAsJsonAsync("/api/customers/me", new { email = $"{Id(i)}@example.com" })).StatusCode);
        }
        var rules = new
        {
            rules = new object[]
            {
                new { id = "win-back", stage = "Lapsed", action = new { kind = "coupon", percentOff = 15, validDays = 30 } },
                new { id = "regulars", action = new { kind = "reorder_reminder" } },
            },
        };
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("/api/retention/rules", rules)).StatusCode);
        var started = await CampaignTests.StartCampaignAsync(admin, new { name = "Crash-proof win-back", holdoutShare = 0.1, measurementWindow = "00:00:02" });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        foreach (var killAt in new[] { 12, 30 })
        {
            await Poll.UntilAsync(() => Sent(), sent => sent >= killAt, TimeSpan.FromSeconds(120), $"{killAt} emails", TimeSpan.FromMilliseconds(10),
                sent => $"{sent} emails; the app's errors:\n{app.Process.StandardError}");
            await app.KillAsync();
            output.WriteLine($"killed with {Sent()} emails written");
            await app.RestartAsync();
        }

        var campaign = await Poll.UntilAsync(async () => (await admin.GetFromJsonAsync<JsonObject>($"/api/retention/campaigns/{id}"))!, c => (string?)c["status"] is "completed" or "failed",
            TimeSpan.FromSeconds(180), $"campaign {id} to finish", TimeSpan.FromMilliseconds(200));
        Assert.Equal("completed", (string?)campaign["status"]);
        var treated = (int)campaign["audience"]!["treated"]!;
        var coupons = (await admin.GetFromJsonAsync<JsonArray>("/api/promotions"))!.Select(p => p!.AsObject()).Where(p => ((string)p["id"]!).StartsWith($"cmp-{id}-", StringComparison.Ordinal)).ToList();
        var emails = Directory.GetFiles(outbox).Select(f => JsonNode.Parse(File.ReadAllText(f))!).GroupBy(m => (string)m["to"]!).ToDictionary(g => g.Key, g => g.Count());
        var inboxes = new Dictionary<string, int>();
        for (var i = 0; i < Customers; i++)
        {
            using var customer = app.ClientFor(Id(i));
            inboxes[Id(i)] = (await customer.GetFromJsonAsync<JsonObject>("/api/customers/me/notifications"))!["messages"]!.AsArray().Count;
        }
        await app.StopAsync();

        Assert.Equal(treated, emails.Count);
        Assert.All(emails, e => Assert.Equal(1, e.Value));
        Assert.Equal(treated, inboxes.Count(i => i.Value == 1));
        Assert.Equal(Customers - treated, inboxes.Count(i => i.Value == 0));
        // Half the customers are lapsed; the coupon holders among the treated each have one code, used at most once.
        var lapsedTreated = emails.Keys.Count(e => int.Parse(e[2..4], CultureInfo.InvariantCulture) % 2 == 0);
        Assert.Equal(lapsedTreated, coupons.Count);
        Assert.Equal(coupons.Count, coupons.Select(c => (string)c["coupon"]!).Distinct().Count());
        Assert.All(coupons, c => Assert.Equal(1, (int)c["usageLimit"]!));
    }


    private static string Id(int i) => $"c-{i:D2}";

    /// <summary>Online Retail lines: three invoices per customer, a month apart; even customers stopped 200 days ago, odd ones ordered last week.</summary>
    private static string History()
    {
        var csv = new StringBuilder("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n");
        var today = DateTime.UtcNow.Date;
        var invoice = 500000;
        for (var i = 0; i < Customers; i++)
        {
            var last = i % 2 == 0 ? 200 : 7;
            foreach (var daysAgo in new[] { last + 60, last + 30, last })
                csv.Append(CultureInfo.InvariantCulture, $"{invoice++},85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,{today.AddDays(-daysAgo):yyyy-MM-dd}T12:00:00,2.55,{Id(i)},United Kingdom\n");
        }
        return csv.ToString();
    }
}
