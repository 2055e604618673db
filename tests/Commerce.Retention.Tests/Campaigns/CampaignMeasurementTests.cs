using Commerce.Retention.Campaigns;

namespace Commerce.Retention.Tests.Campaigns;

public sealed class CampaignMeasurementTests
{
    [Theory]
    // Newcombe (1998), "Interval estimation for the difference between independent proportions", Statistics in
    // Medicine 17, table II, method 10: 56/70 - 48/80 and 9/10 - 3/10.
    [InlineData(56, 70, 48, 80, 0.0524, 0.3339)]
    [InlineData(9, 10, 3, 10, 0.1705, 0.8090)]
    public void The_uplift_interval_matches_newcombes_published_examples(int s1, int n1, int s0, int n0, double low, double high)
    {
        var uplift = CampaignMeasurement.Difference(s1, n1, s0, n0);
        Assert.Equal(s1 / (double)n1 - s0 / (double)n0, uplift.Estimate, 12);
        Assert.Equal(low, uplift.Low, 4);
        Assert.Equal(high, uplift.High, 4);
    }

    [Fact]
    public void With_no_true_difference_the_interval_covers_zero_about_95_times_in_100()
    {
        var random = new Random(20260310);
        var covered = 0;
        const int trials = 2_000;
        for (var t = 0; t < trials; t++)
        {
            var treated = Enumerable.Range(0, 300).Count(_ => random.NextDouble() < 0.3);
            var control = Enumerable.Range(0, 60).Count(_ => random.NextDouble() < 0.3);
            var uplift = CampaignMeasurement.Difference(treated, 300, control, 60);
            covered += uplift.Low <= 0 && 0 <= uplift.High ? 1 : 0;
        }
        Assert.InRange(covered / (double)trials, 0.93, 0.97);
    }

    [Fact]
    public void With_no_true_difference_the_incremental_margin_interval_covers_zero_about_95_times_in_100_and_holds_its_estimate()
    {
        // Skewed spend as a shop has it: most members buy nothing, a few buy a lot (log-normal amounts).
        var random = new Random(20261205);
        var from = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        MemberOutcome Member(CampaignGroup group)
        {
            if (random.NextDouble() >= 0.3)
                return new MemberOutcome(group, []);
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var revenue = (decimal)Math.Round(Math.Exp(4 + 1.2 * normal), 2);
            return new MemberOutcome(group, [new MemberOrder(from.AddDays(random.Next(30)), "GBP", revenue, revenue * 0.35m, 0)]);
        }
        var covered = 0;
        const int trials = 1_000;
        for (var t = 0; t < trials; t++)
        {
            var members = Enumerable.Range(0, 400).Select(_ => Member(CampaignGroup.Treated)).Concat(Enumerable.Range(0, 100).Select(_ => Member(CampaignGroup.Control))).ToList();
            var results = CampaignMeasurement.Measure(members, from, from.AddDays(30), "GBP");
            var interval = results.IncrementalMarginInterval!;
            Assert.InRange(results.IncrementalMargin, interval.Low, interval.High);
            Assert.InRange(results.IncrementalRevenue, results.IncrementalRevenueInterval!.Low, results.IncrementalRevenueInterval.High);
            covered += interval.Low <= 0 && 0 <= interval.High ? 1 : 0;
        }
        Assert.InRange(covered / (double)trials, 0.93, 0.97);
    }

    [Fact]
    public void Rates_revenue_margin_and_coupon_cost_are_counted_per_group_inside_the_window_only()
    {
        var from = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var to = from.AddDays(30);
        MemberOrder Order(int day, decimal revenue, decimal couponCost = 0) => new(from.AddDays(day), "GBP", revenue, revenue * 0.4m, couponCost);
        MemberOutcome[] members =
        [
            new(CampaignGroup.Treated, [Order(3, 100, 10)]),             // repurchased, first half
            new(CampaignGroup.Treated, [Order(20, 50), Order(25, 50)]),  // repurchased and retained
            new(CampaignGroup.Treated, [Order(-2, 999), Order(31, 999)]),// outside the window both times
            new(CampaignGroup.Treated, []),
            new(CampaignGroup.Control, [Order(16, 80)]),                 // repurchased and retained
            new(CampaignGroup.Control, []),
        ];
        var results = CampaignMeasurement.Measure(members, from, to, "GBP");

        Assert.Equal(new GroupOutcome(4, 2, 1, 200, 80, 0.5, 0.25, 50), results.Treated);
        Assert.Equal(new GroupOutcome(2, 1, 1, 80, 32, 0.5, 0.5, 40), results.Control);
        Assert.Equal((1, 10m), (results.CodesRedeemed, results.CouponCost));
        // (200/4 - 80/2) x 4 treated customers; margin likewise (80/4 - 32/2) x 4.
        Assert.Equal((40m, 16m), (results.IncrementalRevenue, results.IncrementalMargin));
        Assert.True(results.PaidForItself);
        Assert.Equal(0, results.RepurchaseUplift.Estimate, 12);
    }

    [Fact]
    public void Money_counts_only_orders_in_the_shops_currency_while_every_order_counts_as_a_repurchase()
    {
        var from = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var to = from.AddDays(30);
        var random = new Random(7);
        string[] currencies = ["GBP", "EUR"];
        var members = Enumerable.Range(0, 60).Select(m => new MemberOutcome(m % 3 == 0 ? CampaignGroup.Control : CampaignGroup.Treated,
            Enumerable.Range(0, random.Next(3)).Select(_ =>
            {
                var revenue = random.Next(10, 200);
                return new MemberOrder(from.AddDays(random.Next(30)), currencies[random.Next(2)], revenue, revenue * 0.3m, random.Next(2) * revenue * 0.25m);
            }).ToList())).ToList();
        Assert.Contains(members, m => m.Orders.Any(o => o.Currency == "EUR" && o.CouponCost > 0) && m.Group == CampaignGroup.Treated);
        Assert.Contains(members, m => m.Orders.Count > 0 && m.Orders.All(o => o.Currency == "EUR"));

        var results = CampaignMeasurement.Measure(members, from, to, "GBP");

        foreach (var (group, outcome) in new[] { (CampaignGroup.Treated, results.Treated), (CampaignGroup.Control, results.Control) })
        {
            var inGroup = members.Where(m => m.Group == group).ToList();
            var pounds = inGroup.SelectMany(m => m.Orders).Where(o => o.Currency == "GBP").ToList();
            Assert.Equal(inGroup.Count(m => m.Orders.Count > 0), outcome.Repurchased);
            Assert.Equal((pounds.Sum(o => o.Revenue), pounds.Sum(o => o.Margin)), (outcome.Revenue, outcome.Margin));
        }
        var redeemed = members.Where(m => m.Group == CampaignGroup.Treated).SelectMany(m => m.Orders).Where(o => o.Currency == "GBP" && o.CouponCost > 0).ToList();
        Assert.Equal((redeemed.Count, Math.Round(redeemed.Sum(o => o.CouponCost), 2)), (results.CodesRedeemed, results.CouponCost));
        Assert.Equal("GBP", results.Currency);
    }
}
