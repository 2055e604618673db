using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Intelligence.Churn;

namespace Commerce.Intelligence.Tests.Churn;

/// <summary>The churn signals and the labelled rows on small histories worked out by hand.</summary>
public sealed class ChurnSignalsTests
{
    private static readonly DateTime Cut = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    private static Purchase Sale(string customer, string order, int daysBeforeCut, string sku = "A", int quantity = 1) =>
        new(customer, order, sku, quantity, 2m, Cut.AddDays(-daysBeforeCut), "United Kingdom") { Name = "RED MUG" };

    [Fact]
    public void Recent_orders_weeks_with_an_order_active_months_basket_breadth_units_rhythm_and_last_year_season_are_counted_before_the_cut()
    {
        List<Purchase> lines =
        [
            // A year and a bit ago, inside the coming 90 days of last year: 2025-06-11.
            Sale("c", "o1", 355, "A", 12),
            Sale("c", "o1", 355, "B", 6),
            // 100, 40 and 10 days before the cut: gaps 255, 60 and 30 days.
            Sale("c", "o2", 100, "A", 12),
            Sale("c", "o3", 40, "C", 1),
            Sale("c", "o4", 10, "A", 24),
            Sale("c", "o4", 10, "B", 2),
            Sale("c", "o4", 10, "D", 3),
            // After the cut: never seen.
            Sale("c", "o5", -1, "E", 100),
        ];
        var signals = ChurnSignals.Of(new PurchaseHistory(lines), Cut, 90)["c"];

        Assert.Equal(1, signals.OrdersLast30Days);
        Assert.Equal(2, signals.OrdersLast90Days);
        Assert.Equal(3, signals.OrdersLast180Days);
        // o3 (40 days: week 5) and o4 (10 days: week 1); o2 at 100 days is older than 13 weeks.
        Assert.Equal(2, signals.WeeksWithOrderLast13);
        // 2025-06, 2026-02, 2026-04, 2026-05.
        Assert.Equal(4, signals.ActiveMonths);
        Assert.Equal(4, signals.DistinctItems);
        Assert.Equal((2 + 1 + 1 + 3) / 4.0, signals.ItemsPerOrder);
        Assert.Equal((12 + 6 + 12 + 1 + 24 + 2 + 3) / 7.0, signals.UnitsPerLine);
        double[] gaps = [255, 60, 30];
        var mean = gaps.Average();
        Assert.Equal(Math.Sqrt(gaps.Sum(g => (g - mean) * (g - mean)) / 3) / mean, signals.GapVariation!.Value, 12);
        Assert.Equal(1, signals.OrdersSameSeasonLastYear);
    }

    [Fact]
    public void Repeat_buying_counts_the_days_with_an_order_after_the_first_and_measures_from_the_first_order()
    {
        // Orders 50, 20 (two that day), 5 days before the cut, and one after it: days 20 and 5 are the repeats.
        List<Purchase> lines = [Sale("c", "o1", 50), Sale("c", "o2", 20, "A"), Sale("c", "o3", 20, "B"), Sale("c", "o4", 5), Sale("c", "o5", -3)];
        var buying = ChurnSignals.Of(new PurchaseHistory(lines), Cut, 90)["c"].Buying;
        Assert.Equal(new RepeatBuying(Repeats: 2, RecencyDays: 50 - 5, AgeDays: 50), buying);
    }

    [Fact]
    public void A_single_order_has_no_rhythm_to_vary()
    {
        var signals = ChurnSignals.Of(new PurchaseHistory([Sale("c", "o1", 5)]), Cut, 90)["c"];
        Assert.Null(signals.GapVariation);
        Assert.Equal((1, 1, 1, 1, 0), (signals.OrdersLast30Days, signals.OrdersLast180Days, signals.WeeksWithOrderLast13, signals.ActiveMonths, signals.OrdersSameSeasonLastYear));
    }

    [Fact]
    public void Reasons_speak_of_orders_on_one_day_of_no_recent_spend_and_of_no_rhythm_without_a_zero()
    {
        List<Purchase> lines = [Sale("c", "o1", 100), Sale("c", "o2", 100) with { At = Cut.AddDays(-100).AddHours(3) }];
        var input = ChurnExamples.Inputs(new CustomerFeatureBuilder(new FeatureSettings()), new PurchaseHistory(lines), [], new Dictionary<string, CustomerProfile>(), Cut, 90).Single();
        string Reason(string name) => ChurnColumns.All.Single(c => c.Name == name).Reason(input);

        Assert.Equal("placed their orders less than a day apart on average", Reason("mean_gap_days"));
        Assert.Equal("bought nothing in the last 90 days", Reason("recent_spend"));
        Assert.Equal("too few orders to show a rhythm", Reason("gap_variation"));
        Assert.Equal("2 orders in the last 180 days", Reason("orders_180_days"));
        Assert.Equal("ordered in 0 weeks of the last 13", Reason("weeks_with_order_13"));
    }

    [Fact]
    public void Labelled_rows_are_the_buyers_before_the_cut_churned_unless_they_order_within_the_horizon()
    {
        List<Purchase> lines =
        [
            Sale("stays", "s1", 50), Sale("stays", "s2", -30),
            Sale("churns", "c1", 20), Sale("churns", "c2", -95),
            Sale("edge", "e1", 20), Sale("edge", "e2", -90),
            Sale("new", "n1", -5),
        ];
        var examples = ChurnExamples.Labelled(new CustomerFeatureBuilder(new FeatureSettings()), new PurchaseHistory(lines), [], new Dictionary<string, CustomerProfile>(), Cut, 90);

        var byId = examples.ToDictionary(e => e.Input.Features.CustomerId, e => e.Churned);
        // "new" first ordered after the cut; "edge" reordered exactly 90 days after it, outside [cut, cut + 90 days).
        Assert.Equal(new Dictionary<string, bool> { ["stays"] = false, ["churns"] = true, ["edge"] = true }, byId);
        Assert.All(examples, e => Assert.Equal(1, e.Input.Features.Frequency));
        Assert.All(examples, e => Assert.Equal(1, e.Input.Signals.ActiveMonths));
    }
}
