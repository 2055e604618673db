using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Analytics;

[Collection(OnlineRetailHistoryCollection.Name)]
public sealed class InsightsAndSegmentsTests(OnlineRetailHistoryFixture history)
{
    private readonly OnlineRetailRecount _recount = history.Recount;

    [Fact]
    public async Task A_customers_insights_hold_the_recounted_rfm_their_segment_stage_and_tier_and_the_tier_is_on_the_account()
    {
        var recounted = _recount.Customers(OnlineRetailRecount.AsOf);
        var scores = OnlineRetailRecount.Scores(recounted);
        using var admin = history.Admin();
        foreach (var expected in recounted.Where((_, i) => i % 600 == 0))
        {
            var insights = (await admin.GetFromJsonAsync<JsonObject>($"/api/customers/{expected.Customer}/insights"))!;
            var features = insights["features"]!;
            // No churn model was ever trained in this app, so nobody has a risk yet.
            Assert.True(insights.ContainsKey("churnRisk"));
            Assert.Null(insights["churnRisk"]);
            Assert.Equal((expected.Recency, expected.Frequency, expected.Monetary), ((int)features["recencyDays"]!, (int)features["frequency"]!, (decimal)features["monetary"]!));
            var (r, f, _) = scores[expected.Customer];
            Assert.Equal(OnlineRetailRecount.SegmentOf(r, f), (string)features["segment"]!);
            Assert.NotNull((string?)features["stage"]);
            var tier = expected.Trailing >= 10_000 ? "platinum" : expected.Trailing >= 2_000 ? "gold" : expected.Trailing >= 500 ? "silver" : "none";
            Assert.Equal(tier, ((string)features["tier"]!).ToLowerInvariant());
            var account = (await admin.GetFromJsonAsync<JsonObject>($"/api/customers/{expected.Customer}"))!;
            Assert.Equal(tier, (string)account["membershipTier"]!);
        }
    }

    [Fact]
    public async Task Customers_see_their_own_insights_only()
    {
        var someone = _recount.Sales[100].Customer;
        using var own = history.App.ClientFor(someone);
        using var stranger = history.App.ClientFor("never-bought");

        var mine = await own.GetFromJsonAsync<JsonObject>("/api/customers/me/insights");
        var others = await own.GetAsync("/api/customers/12347/insights");
        var none = await stranger.GetAsync("/api/customers/me/insights");
        var anonymous = await history.App.Client.GetAsync("/api/customers/me/insights");

        Assert.Equal(someone, (string)mine!["features"]!["customerId"]!);
        Assert.Equal(HttpStatusCode.Forbidden, others.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Segment_sizes_and_movement_between_two_dates_match_the_recount()
    {
        var from = new DateTime(2011, 9, 1, 0, 0, 0, DateTimeKind.Utc);
        using var admin = history.Admin();
        var report = (await admin.GetFromJsonAsync<JsonObject>("/api/analytics/segments?from=2011-09-01&to=2011-12-10"))!;

        var expected = _recount.SegmentSizes(OnlineRetailRecount.AsOf);
        var sizes = report["segments"]!.AsArray().Where(s => (int)s!["customers"]! > 0).ToDictionary(s => (string)s!["segment"]!, s => (int)s!["customers"]!);
        Assert.Equal(expected.OrderBy(s => s.Key), sizes.OrderBy(s => s.Key));
        Assert.Equal(_recount.Customers(OnlineRetailRecount.AsOf).Count, (int)report["customers"]!);
        // Before any churn scoring there is no risk, overall or in any segment.
        Assert.True(report.ContainsKey("risk"));
        Assert.Null(report["risk"]);
        Assert.All(report["segments"]!.AsArray(), s => Assert.Null(s!["risk"]));

        var moves = report["movement"]!.AsArray();
        var customersAtFrom = _recount.Customers(from).Count;
        Assert.Equal(customersAtFrom, moves.Where(m => m!["from"] is not null).Sum(m => (int)m!["customers"]!));
        Assert.Equal(expected.Values.Sum() - customersAtFrom, moves.Where(m => m!["from"] is null).Sum(m => (int)m!["customers"]!));
        var fromSizes = _recount.SegmentSizes(from);
        foreach (var (segment, count) in fromSizes)
            Assert.Equal(count, moves.Where(m => (string?)m!["from"] == segment).Sum(m => (int)m!["customers"]!));
    }

    [Fact]
    public async Task Segment_questions_are_for_admins_with_dates_in_order()
    {
        using var admin = history.Admin();
        using var customer = history.App.ClientFor("12347");
        var backwards = await admin.GetAsync("/api/analytics/segments?from=2011-12-10&to=2011-09-01");
        var nonsense = await admin.GetAsync("/api/analytics/segments?to=someday");
        var forbidden = await customer.GetAsync("/api/analytics/segments");

        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        Assert.Contains("from", (await backwards.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key));
        Assert.Equal(HttpStatusCode.BadRequest, nonsense.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }
}
