using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Catalog.Customers;
using Commerce.Events.Behaviour;

namespace Commerce.Analytics.Tests.Features;

/// <summary>The feature builder on small histories whose answers are worked out by hand.</summary>
public sealed class FeatureBuilderTests
{
    private static readonly DateTime AsOf = new(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc);
    private readonly CustomerFeatureBuilder _builder = new(new FeatureSettings());

    private static Purchase Sale(string customer, string order, int daysAgo, decimal amount, string sku = "A", string name = "RED MUG", bool discounted = false) =>
        new(customer, order, sku, 1, amount, AsOf.AddDays(-daysAgo), "United Kingdom") { Name = name, Discounted = discounted };

    private static Purchase Return(string customer, string returnId, string of, int daysAgo, decimal amount, string sku = "A") =>
        new(customer, returnId, sku, -1, amount, AsOf.AddDays(-daysAgo), "United Kingdom") { ReturnOf = of };

    private FeatureSet Build(IEnumerable<Purchase> lines, IEnumerable<BehaviourEvent>? events = null) =>
        _builder.Build(new PurchaseHistory(lines), events ?? [], new Dictionary<string, CustomerProfile>(), AsOf);

    [Fact]
    public void Recency_frequency_and_net_spend_are_scored_against_quintile_cuts_and_segmented_by_the_table()
    {
        // Ten customers: c0 ordered once 300 days ago for 10, ..., c9 ten times, last 3 days ago, for 100 each.
        var lines = new List<Purchase>();
        for (var c = 0; c < 10; c++)
        {
            for (var o = 0; o <= c; o++)
                lines.Add(Sale($"c{c}", $"c{c}-o{o}", 300 - c * 33 + (c - o), 10m * (c + 1)));
        }
        var set = Build(lines);

        // Recency (days) ascending: 3, 36, ..., 300; cuts at ranks 2, 4, 6, 8 of 10.
        Assert.Equal([36, 102, 168, 234], set.Context.Scale.RecencyCuts);
        Assert.Equal([2, 4, 6, 8], set.Context.Scale.FrequencyCuts);
        var best = set.Customers.Single(f => f.CustomerId == "c9");
        Assert.Equal((3, 10, 1000m), (best.RecencyDays, best.Frequency, best.Monetary));
        Assert.Equal((5, 5, 5, RfmSegment.Champions), (best.RecencyScore, best.FrequencyScore, best.MonetaryScore, best.Segment));
        var worst = set.Customers.Single(f => f.CustomerId == "c0");
        Assert.Equal((1, 1, 1, RfmSegment.Lost), (worst.RecencyScore, worst.FrequencyScore, worst.MonetaryScore, worst.Segment));
        // c4: 168 days (not below the 168 cut: score 3... it beats 234 only, so 2), 5 orders (beats 2 and 4: score 3).
        var middle = set.Customers.Single(f => f.CustomerId == "c4");
        Assert.Equal((168, 5), (middle.RecencyDays, middle.Frequency));
        Assert.Equal((2, 3, RfmSegment.AtRisk), (middle.RecencyScore, middle.FrequencyScore, middle.Segment));
    }

    [Fact]
    public void Every_score_pair_has_exactly_one_segment_and_all_eleven_segments_are_used()
    {
        var cells = Enumerable.Range(1, 5).SelectMany(r => Enumerable.Range(1, 5).Select(f => RfmSegments.Of(r, f))).ToList();
        Assert.Equal(25, cells.Count);
        Assert.Equal(Enum.GetValues<RfmSegment>().Order(), cells.Distinct().Order());
        Assert.Equal(RfmSegment.New, RfmSegments.Of(5, 1));
        Assert.Equal(RfmSegment.CannotLose, RfmSegments.Of(1, 5));
        Assert.Equal("Potential loyalist", RfmSegments.DisplayName(RfmSegment.PotentialLoyalist));
    }

    [Fact]
    public void Returns_reduce_net_spend_and_count_in_the_returns_share_but_not_as_orders()
    {
        var set = Build([Sale("a", "o1", 40, 100m), Sale("a", "o2", 20, 300m), Return("a", "r1", "o2", 10, 50m)]);
        var a = Assert.Single(set.Customers);
        Assert.Equal(2, a.Frequency);
        Assert.Equal(350m, a.Monetary);
        Assert.Equal(200m, a.AverageOrderValue);
        Assert.Equal(50.0 / 400, a.ReturnsShare, 12);
        Assert.Equal((20.0, 20.0), (a.MeanGapDays, a.LastGapDays));
        Assert.Equal((20, 40), (a.RecencyDays, a.TenureDays));
    }

    [Fact]
    public void Only_what_happened_before_the_date_counts()
    {
        var lines = new[] { Sale("a", "o1", 100, 10m), Sale("a", "o2", 0, 99m), Sale("b", "o3", -5, 10m) };
        var set = Build(lines);
        var a = Assert.Single(set.Customers);
        Assert.Equal((1, 10m, 100), (a.Frequency, a.Monetary, a.RecencyDays));

        var earlier = _builder.Build(new PurchaseHistory(lines), [], new Dictionary<string, CustomerProfile>(), AsOf.AddDays(-100));
        Assert.Empty(earlier.Customers);
    }

    [Fact]
    public void Lifecycle_stages_follow_each_customers_own_rhythm()
    {
        var lines = new List<Purchase>
        {
            // new: first order 10 days ago.
            Sale("new", "n1", 10, 10m),
            // active: every 20 days, last 20 days ago.
            Sale("active", "a1", 100, 10m), Sale("active", "a2", 80, 10m), Sale("active", "a3", 60, 10m), Sale("active", "a4", 40, 10m), Sale("active", "a5", 20, 10m),
            // at risk: every 20 days, last 40 days ago (40 > 1.5 x 20).
            Sale("risk", "r1", 100, 10m), Sale("risk", "r2", 80, 10m), Sale("risk", "r3", 60, 10m), Sale("risk", "r4", 40, 10m),
            // lapsed: every 20 days, last 70 days ago (70 > 3 x 20).
            Sale("lapsed", "l1", 110, 10m), Sale("lapsed", "l2", 90, 10m), Sale("lapsed", "l3", 70, 10m),
            // reactivated: every 10 days, then 200 days away, back 5 days ago (mean gap 57.5, so not at risk).
            Sale("back", "b1", 235, 10m), Sale("back", "b2", 225, 10m), Sale("back", "b3", 215, 10m), Sale("back", "b4", 205, 10m), Sale("back", "b5", 5, 10m),
        };
        var stages = Build(lines).Customers.ToDictionary(f => f.CustomerId, f => f.Stage);
        Assert.Equal(LifecycleStage.New, stages["new"]);
        Assert.Equal(LifecycleStage.Active, stages["active"]);
        Assert.Equal(LifecycleStage.AtRisk, stages["risk"]);
        Assert.Equal(LifecycleStage.Lapsed, stages["lapsed"]);
        Assert.Equal(LifecycleStage.Reactivated, stages["back"]);
    }

    [Fact]
    public void A_single_order_customer_is_measured_against_the_populations_median_gap()
    {
        // Two regulars with mean gaps of 10 and 30 days: median 20. The one-off ordered 50 days ago: 50 > 1.5 x 20.
        var lines = new[]
        {
            Sale("r10", "x1", 40, 1m), Sale("r10", "x2", 30, 1m), Sale("r30", "y1", 90, 1m), Sale("r30", "y2", 60, 1m), Sale("once", "z1", 50, 1m),
        };
        var set = Build(lines);
        Assert.Equal(20, set.Context.MedianGapDays);
        var once = set.Customers.Single(f => f.CustomerId == "once");
        Assert.Equal(20, once.UsualGapDays);
        Assert.Null(once.MeanGapDays);
        Assert.Equal(LifecycleStage.AtRisk, once.Stage);
    }

    [Fact]
    public void Tiers_come_from_net_spend_over_the_trailing_year()
    {
        var lines = new[]
        {
            Sale("old", "o1", 400, 50_000m), Sale("old", "o2", 100, 499m),
            Sale("silver", "s1", 100, 500m),
            Sale("gold", "g1", 200, 2_500m), Return("gold", "g-r", "g1", 150, 400m),
            Sale("platinum", "p1", 364, 10_000m),
        };
        var tiers = Build(lines).Customers.ToDictionary(f => f.CustomerId, f => (f.TrailingSpend, f.Tier));
        Assert.Equal((499m, MembershipTier.None), tiers["old"]);
        Assert.Equal((500m, MembershipTier.Silver), tiers["silver"]);
        Assert.Equal((2_100m, MembershipTier.Gold), tiers["gold"]);
        Assert.Equal((10_000m, MembershipTier.Platinum), tiers["platinum"]);
    }

    [Fact]
    public void Trend_compares_the_last_window_with_the_one_before_and_price_sensitivity_reads_discounts_and_median_prices()
    {
        var lines = new[]
        {
            // The item's median unit price is 2 (prices 1, 2, 3, 4, 2 -> sorted 1, 2, 2, 3, 4).
            Sale("cheap", "c1", 150, 1m, discounted: true), Sale("cheap", "c2", 10, 2m),
            Sale("dear", "d1", 10, 4m), Sale("dear", "d2", 20, 3m),
            Sale("other", "e1", 30, 2m),
        };
        var set = Build(lines);
        Assert.Equal(2m, set.Context.MedianPrices["A"]);
        var cheap = set.Customers.Single(f => f.CustomerId == "cheap");
        Assert.Equal((2m, 1m), (cheap.RecentSpend, cheap.EarlierSpend));
        Assert.Equal(1.0 / 3, cheap.PurchaseTrend, 12);
        Assert.Equal(1.0 / 3, cheap.DiscountShare, 12);
        Assert.Equal((1 * 0.5 + 2 * 1.0) / 3, cheap.RelativePrice, 12);
        var dear = set.Customers.Single(f => f.CustomerId == "dear");
        Assert.Equal(1.0, dear.PurchaseTrend);
        Assert.Equal((4 * 2.0 + 3 * 1.5) / 7, dear.RelativePrice, 12);
        Assert.Equal(0, dear.DiscountShare);
    }

    [Fact]
    public void Interests_weigh_recent_purchases_and_views_of_bought_items_by_their_categories_and_name_words()
    {
        var lines = new[]
        {
            Sale("a", "o1", 1, 1m, "MUG", "RED SPOTTY MUG") with { Category = "kitchen" },
            Sale("a", "o2", 180, 1m, "LAMP", "SET OF 2 VINTAGE LAMP") with { Category = "lighting" },
        };
        var views = Enumerable.Range(0, 3).Select(i => new BehaviourEvent($"v{i}", BehaviourEventTypes.ProductViewed, AsOf.AddDays(-1), "a", null) { Sku = "LAMP" });
        var a = Assert.Single(Build(lines, views).Customers);

        // Yesterday's mug counts about 1 for each of its 4 tags; the lamp, two half-lives old, 0.25 for each of its 3,
        // plus three views of it yesterday at about 0.2 each.
        var day = Math.Pow(0.5, 1 / 90.0);
        var lamp = 0.25 + 3 * 0.2 * day;
        var total = 4 * day + 3 * lamp;
        var weights = a.Interests.ToDictionary(i => i.Tag, i => i.Weight);
        Assert.Equal(["category:kitchen", "mug", "red", "spotty", "category:lighting"], a.Interests.Select(i => i.Tag));
        Assert.Equal(day / total, weights["mug"], 9);
        Assert.Equal(lamp / total, weights["category:lighting"], 9);
        Assert.DoesNotContain(a.Interests, i => i.Tag is "set" or "of");
        Assert.Equal(3, a.Views);
        Assert.Equal(1, a.DaysSinceLastSeen);
    }

    [Fact]
    public void Behaviour_counts_cover_the_activity_window_only()
    {
        var events = new[]
        {
            new BehaviourEvent("1", BehaviourEventTypes.Search, AsOf.AddDays(-2), "a", null),
            new BehaviourEvent("2", BehaviourEventTypes.AddedToCart, AsOf.AddDays(-29), "a", null),
            new BehaviourEvent("3", BehaviourEventTypes.RecommendationClicked, AsOf.AddDays(-31), "a", null),
            new BehaviourEvent("4", BehaviourEventTypes.ProductViewed, AsOf.AddDays(1), "a", null),
            new BehaviourEvent("5", BehaviourEventTypes.ProductViewed, AsOf.AddDays(-1), null, "device-9"),
        };
        var a = Assert.Single(Build([Sale("a", "o1", 50, 1m)], events).Customers);
        Assert.Equal((1, 1, 0, 0), (a.Searches, a.CartAdds, a.RecommendationClicks, a.Views));
        Assert.Equal(2, a.DaysSinceLastSeen);
    }

    [Fact]
    public void Profiles_bring_the_business_attributes()
    {
        var profiles = new Dictionary<string, CustomerProfile>
        {
            ["b"] = new("b") { Kind = CustomerKind.Business, Country = "France", CompanySize = "10-49", Industry = "hospitality" },
        };
        var set = _builder.Build(new PurchaseHistory([Sale("b", "o1", 5, 1m), Sale("c", "o2", 5, 1m)]), [], profiles, AsOf);
        var b = set.Customers.Single(f => f.CustomerId == "b");
        Assert.Equal((CustomerKind.Business, "France", "10-49", "hospitality"), (b.Kind, b.Country, b.CompanySize, b.Industry));
        var c = set.Customers.Single(f => f.CustomerId == "c");
        Assert.Equal((CustomerKind.Consumer, "United Kingdom"), (c.Kind, c.Country));
    }
}
