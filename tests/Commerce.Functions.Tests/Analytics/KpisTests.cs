using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Analytics;

/// <summary>
/// KPIs and cohorts over the imported Online Retail history, against a recount of the raw file: each sale invoice
/// is an order placed at its first line's time (UTC), each matched cancellation line a return at its own time.
/// </summary>
[Collection(OnlineRetailHistoryCollection.Name)]
public sealed class KpisTests(OnlineRetailHistoryFixture history)
{
    private static readonly DateTime From = new(2011, 9, 11, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime To = OnlineRetailRecount.AsOf;
    private const string Window = "from=2011-09-11&to=2011-12-10";

    private readonly OnlineRetailRecount _recount = history.Recount;

    /// <summary>Each customer's order times (UTC), from the raw rows.</summary>
    private Dictionary<string, List<DateTime>> OrderTimes() => _recount.Sales
        .GroupBy(r => r.Customer)
        .ToDictionary(g => g.Key, g => g.Select(r => r.Invoice).Distinct().Select(i => OnlineRetailRecount.Utc(_recount.InvoiceTime[i])).Order().ToList());

    private static decimal? Rate(int part, int whole) => whole == 0 ? null : Math.Round((decimal)part / whole, 4);

    private static decimal? Value(JsonNode kpi) => (decimal?)kpi["value"];

    [Fact]
    public async Task Retention_repeat_purchase_churn_and_aov_match_a_recount_of_the_file()
    {
        using var admin = history.Admin();
        var report = (await admin.GetFromJsonAsync<JsonObject>($"/api/analytics/kpis?{Window}"))!;
        var orders = OrderTimes();

        foreach (var (name, days) in new[] { ("retention30d", 30), ("retention7d", 7), ("nextDayRetention", 1) })
        {
            var eligible = orders.Values.Where(t => t[0] >= From && t[0] < To && t[0].AddDays(days) <= To).ToList();
            var retained = eligible.Count(t => t.Any(x => x > t[0] && x <= t[0].AddDays(days)));
            Assert.Equal(eligible.Count, (long)report[name]!["basis"]!);
            Assert.Equal(Rate(retained, eligible.Count), Value(report[name]!));
        }
        Assert.Equal(0.45m, (decimal)report["retention30d"]!["band"]!["industryAverage"]!);

        var inWindow = orders.Values.Select(t => t.Count(x => x >= From && x < To)).Where(n => n > 0).ToList();
        Assert.Equal(Rate(inWindow.Count(n => n >= 2), inWindow.Count), Value(report["repeatPurchaseRate"]!));

        var before = From - (To - From);
        var active = orders.Where(o => o.Value.Any(x => x >= before && x < From)).Select(o => o.Key).ToList();
        var churned = active.Count(c => !orders[c].Any(x => x >= From && x < To));
        Assert.Equal(active.Count, (long)report["churnRate"]!["basis"]!);
        Assert.Equal(Rate(churned, active.Count), Value(report["churnRate"]!));

        var totals = _recount.Sales.Where(r => OnlineRetailRecount.Utc(_recount.InvoiceTime[r.Invoice]) is var t && t >= From && t < To)
            .GroupBy(r => r.Invoice).Select(g => g.Sum(r => r.Quantity * r.Price)).ToList();
        Assert.Equal(totals.Count, (long)report["aov"]!["basis"]!);
        Assert.Equal(Math.Round(totals.Sum() / totals.Count, 2), Value(report["aov"]!));
        Assert.Equal("GBP", (string)report["aov"]!["unit"]!);
        Assert.Equal(320m, (decimal)report["aov"]!["band"]!["industryAverage"]!);
    }

    [Fact]
    public async Task Twelve_month_ltv_is_the_net_spend_of_customers_a_whole_year_after_their_first_order()
    {
        using var admin = history.Admin();
        var report = (await admin.GetFromJsonAsync<JsonObject>($"/api/analytics/kpis?{Window}"))!;

        var first = OrderTimes().ToDictionary(o => o.Key, o => o.Value[0]);
        var cohort = first.Where(f => f.Value >= To.AddDays(-730) && f.Value < To.AddDays(-365)).ToDictionary(f => f.Key, f => f.Value);
        bool InYear(string customer, DateTime at) => at >= cohort[customer] && at < cohort[customer].AddDays(365);
        var sales = _recount.Sales.Where(r => cohort.ContainsKey(r.Customer) && InYear(r.Customer, OnlineRetailRecount.Utc(_recount.InvoiceTime[r.Invoice]))).Sum(r => r.Quantity * r.Price);
        var returns = _recount.MatchedReturns.Where(r => cohort.ContainsKey(r.Customer) && InYear(r.Customer, OnlineRetailRecount.Utc(r.UkTime))).Sum(r => -r.Quantity * r.Price);

        Assert.True(cohort.Count > 100);
        Assert.Equal(cohort.Count, (long)report["ltv12Months"]!["basis"]!);
        Assert.Equal(Math.Round((sales - returns) / cohort.Count, 2), Value(report["ltv12Months"]!));
    }

    [Fact]
    public async Task Monthly_cohorts_count_each_customer_once_per_month_they_ordered_in()
    {
        using var admin = history.Admin();
        var report = (await admin.GetFromJsonAsync<JsonObject>("/api/analytics/cohorts?by=month&from=2010-12-01&to=2011-12-10"))!;

        static int Month(DateTime t) => t.Year * 12 + t.Month;
        var expected = OrderTimes()
            .Select(o => (First: Month(o.Value[0]), Months: o.Value.Select(Month).Distinct().ToList()))
            .GroupBy(c => c.First)
            .ToDictionary(g => g.Key, g => (Size: g.Count(), Periods: g.SelectMany(c => c.Months.Select(m => m - g.Key)).GroupBy(p => p).ToDictionary(p => p.Key, p => p.Count())));
        var cohorts = report["cohorts"]!.AsArray();

        Assert.Equal(13, cohorts.Count);
        foreach (var cohort in cohorts)
        {
            var month = DateTime.ParseExact((string)cohort!["cohort"]! + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            var (size, periods) = expected[Month(month)];
            Assert.Equal(size, (long)cohort["customers"]!);
            foreach (var period in cohort["periods"]!.AsArray())
            {
                var n = (int)period!["period"]!;
                Assert.Equal(periods.GetValueOrDefault(n), (long)period["customers"]!);
                Assert.Equal(Rate(periods.GetValueOrDefault(n), size), (decimal)period["rate"]!);
            }
            Assert.Equal(Month(new DateTime(2011, 12, 1)) - Month(month) + 1, cohort["periods"]!.AsArray().Count);
        }
    }

    [Fact]
    public async Task A_segment_or_a_customer_type_narrows_the_customers_counted()
    {
        using var admin = history.Admin();
        var champions = (await admin.GetFromJsonAsync<JsonObject>($"/api/analytics/kpis?{Window}&segment=champions"))!;
        var consumers = (await admin.GetFromJsonAsync<JsonObject>($"/api/analytics/kpis?{Window}&customerType=consumer"))!;
        var businesses = (await admin.GetFromJsonAsync<JsonObject>($"/api/analytics/kpis?{Window}&customerType=business"))!;
        var everyone = (await admin.GetFromJsonAsync<JsonObject>($"/api/analytics/kpis?{Window}"))!;
        var cohorts = (await admin.GetFromJsonAsync<JsonObject>("/api/analytics/cohorts?by=month&from=2010-12-01&to=2011-12-10&segment=Champions"))!;

        var scores = OnlineRetailRecount.Scores(_recount.Customers(To));
        var members = scores.Where(s => OnlineRetailRecount.SegmentOf(s.Value.R, s.Value.F) == "Champions").Select(s => s.Key).ToHashSet();
        var orders = OrderTimes().Where(o => members.Contains(o.Key)).ToList();
        var inWindow = orders.Select(o => o.Value.Count(x => x >= From && x < To)).Where(n => n > 0).ToList();
        Assert.Equal(inWindow.Count, (long)champions["repeatPurchaseRate"]!["basis"]!);
        Assert.Equal(Rate(inWindow.Count(n => n >= 2), inWindow.Count), Value(champions["repeatPurchaseRate"]!));
        Assert.Equal("Champions", (string)champions["segment"]!);
        Assert.Equal(members.Count, cohorts["cohorts"]!.AsArray().Sum(c => (long)c!["customers"]!));

        // Every imported account is a consumer.
        Assert.Equal((long)everyone["repeatPurchaseRate"]!["basis"]!, (long)consumers["repeatPurchaseRate"]!["basis"]!);
        Assert.Equal(Value(everyone["aov"]!), Value(consumers["aov"]!));
        Assert.Equal(0, (long)businesses["aov"]!["basis"]!);
        Assert.Null(Value(businesses["aov"]!));
    }

    [Fact]
    public async Task Cac_is_each_months_spend_over_the_customers_first_ordering_that_month()
    {
        using var admin = history.Admin();
        var spend = await admin.PutAsJsonAsync("/api/analytics/acquisition-spend", new
        {
            entries = new object[]
            {
                new { month = "2011-10", channel = "search", amount = 12_000m },
                new { month = "2011-10", channel = "social", amount = 3_000m, currency = "GBP" },
                new { month = "2011-11", channel = "search", amount = 9_500.50m },
                new { month = "2012-01", channel = "search", amount = 1_000m },
            },
        });
        spend.EnsureSuccessStatusCode();
        var report = (await admin.GetFromJsonAsync<JsonObject>($"/api/analytics/kpis?{Window}"))!;

        var firstMonths = OrderTimes().Values.Select(t => (t[0].Year, t[0].Month)).ToList();
        var october = firstMonths.Count(m => m == (2011, 10));
        var november = firstMonths.Count(m => m == (2011, 11));
        Assert.Equal(october + november, (long)report["cac"]!["basis"]!);
        Assert.Equal(Math.Round(24_500.50m / (october + november), 2), Value(report["cac"]!));
        var months = report["acquisition"]!.AsArray();
        Assert.Equal(["2011-10", "2011-11"], months.Select(m => (string)m!["month"]!));
        Assert.Equal(Math.Round(15_000m / october, 2), (decimal)months[0]!["cac"]!);
        Assert.Equal(Math.Round(Value(report["ltv12Months"]!)!.Value / Value(report["cac"]!)!.Value, 2), Value(report["ltvToCac"]!));
    }

    [Fact]
    public async Task Bad_filters_and_bad_spend_are_refused_with_field_errors_and_change_nothing()
    {
        using var admin = history.Admin();
        using var customer = history.App.ClientFor("12347");

        async Task<string[]> Fields(HttpResponseMessage response)
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return [.. (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key)];
        }

        Assert.Contains("segment", await Fields(await admin.GetAsync("/api/analytics/kpis?segment=whales")));
        Assert.Contains("customerType", await Fields(await admin.GetAsync("/api/analytics/kpis?customerType=1")));
        Assert.Contains("from", await Fields(await admin.GetAsync("/api/analytics/kpis?from=2011-12-10&to=2011-09-01")));
        Assert.Contains("by", await Fields(await admin.GetAsync("/api/analytics/cohorts?by=year")));
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.GetAsync("/api/analytics/kpis")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await history.App.Client.GetAsync("/api/analytics/cohorts")).StatusCode);

        var bad = await admin.PutAsJsonAsync("/api/analytics/acquisition-spend", new
        {
            entries = new object[]
            {
                new { month = "2011-08", channel = "display", amount = 100m },
                new { month = "2011-13", channel = "display", amount = -5m, currency = "USD" },
            },
        });
        var fields = await Fields(bad);
        Assert.Equal(["entries[1].amount", "entries[1].currency", "entries[1].month"], fields.Order());
        var report = (await admin.GetFromJsonAsync<JsonObject>("/api/analytics/kpis?from=2011-08-01&to=2011-09-01"))!;
        Assert.Empty(report["acquisition"]!.AsArray());
        Assert.Contains("entries", await Fields(await admin.PutAsJsonAsync("/api/analytics/acquisition-spend", new { entries = Array.Empty<object>() })));
        Assert.Equal(HttpStatusCode.Forbidden, (await customer.PutAsJsonAsync("/api/analytics/acquisition-spend", new { entries = Array.Empty<object>() })).StatusCode);
    }

    [Fact]
    public async Task Unit_economics_take_the_inputs_given_and_the_shops_own_kpis_for_the_rest()
    {
        using var admin = history.Admin();
        var given = (await (await admin.PostAsJsonAsync("/api/analytics/unit-economics",
            new { aov = 320, grossMargin = 0.30, paymentSuccessRate = 0.962, retention30d = 0.45, cac = 95 })).Content.ReadFromJsonAsync<JsonObject>())!;
        var factor = (1 - Math.Pow(0.45, 12)) / (1 - 0.45);
        Assert.Equal(320 * 0.30 * 0.962 * factor - 95, (double)given["unitMargin"]!, 2);
        Assert.Equal(["aov", "cac", "grossMargin", "paymentSuccessRate", "retention30d"], given["breakEven"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(5, given["tornado"]!.AsArray().Count);
        Assert.All(given["sources"]!.AsObject(), s => Assert.Equal("request", (string)s.Value!));

        var kpis = (await admin.GetFromJsonAsync<JsonObject>("/api/analytics/kpis"))!;
        var defaulted = (await (await admin.PostAsJsonAsync("/api/analytics/unit-economics", new { })).Content.ReadFromJsonAsync<JsonObject>())!;
        var inputs = defaulted["inputs"]!;
        Assert.Equal(Value(kpis["aov"]!), (decimal)inputs["aov"]!);
        Assert.Equal(Value(kpis["retention30d"]!), (decimal)inputs["retention30d"]!);
        Assert.Equal("shop", (string)defaulted["sources"]!["aov"]!);
        // The file has no payment attempts: the industry average stands in.
        Assert.Null(Value(kpis["paymentSuccessRate"]!));
        Assert.Equal(0.962m, (decimal)inputs["paymentSuccessRate"]!);
        Assert.Equal("industry average", (string)defaulted["sources"]!["paymentSuccessRate"]!);
        Assert.Equal(Value(kpis["cac"]!) ?? 95m, (decimal)inputs["cac"]!);
        Assert.Equal(0.30m, (decimal)inputs["grossMargin"]!);
    }

    [Fact]
    public async Task Unit_economics_refuse_negative_values_rates_over_one_and_nan()
    {
        using var admin = history.Admin();
        async Task<string[]> Refused(string body)
        {
            using var response = await admin.PostAsync("/api/analytics/unit-economics", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return [.. (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]?.AsObject().Select(e => e.Key) ?? []];
        }

        Assert.Equal(["aov", "cac"], (await Refused("""{"aov":-1,"cac":-95}""")).Order(StringComparer.Ordinal));
        Assert.Equal(["grossMargin"], await Refused("""{"grossMargin":1.5}"""));
        Assert.Equal(["paymentSuccessRate", "retention30d"], (await Refused("""{"paymentSuccessRate":1.01,"retention30d":-0.1}""")).Order(StringComparer.Ordinal));
        Assert.Equal(["horizonMonths"], await Refused("""{"horizonMonths":0}"""));
        await Refused("""{"aov":NaN}""");
        await Refused("""{"retention30d":"NaN"}""");
    }
}
