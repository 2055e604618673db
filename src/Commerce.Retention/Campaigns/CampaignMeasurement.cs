namespace Commerce.Retention.Campaigns;

/// <summary>An order a campaign member placed in the measurement window: what it brought in and what the member's code took off it.</summary>
public sealed record MemberOrder(DateTimeOffset At, decimal Revenue, decimal Margin, decimal CouponCost);

public sealed record MemberOutcome(CampaignGroup Group, IReadOnlyList<MemberOrder> Orders);

/// <summary>Treated against control over one window: rates, uplift with a 95% interval, and whether the offers paid for themselves.</summary>
public static class CampaignMeasurement
{
    /// <summary>The two-sided 95% point of the standard normal.</summary>
    private const double Z95 = 1.959963984540054;

    public static CampaignResults Measure(IReadOnlyList<MemberOutcome> members, DateTimeOffset from, DateTimeOffset to, string currency)
    {
        var half = from + (to - from) / 2;
        GroupOutcome Outcome(CampaignGroup group)
        {
            var inWindow = members.Where(m => m.Group == group).Select(m => m.Orders.Where(o => o.At >= from && o.At < to).ToList()).ToList();
            var n = inWindow.Count;
            var repurchased = inWindow.Count(o => o.Count > 0);
            var retained = inWindow.Count(o => o.Any(x => x.At >= half));
            var revenue = inWindow.Sum(o => o.Sum(x => x.Revenue));
            var margin = inWindow.Sum(o => o.Sum(x => x.Margin));
            return new GroupOutcome(n, repurchased, retained, revenue, margin,
                n == 0 ? 0 : repurchased / (double)n, n == 0 ? 0 : retained / (double)n, n == 0 ? 0 : Math.Round(revenue / n, 2));
        }
        var treated = Outcome(CampaignGroup.Treated);
        var control = Outcome(CampaignGroup.Control);
        var redeemed = members.Where(m => m.Group == CampaignGroup.Treated).SelectMany(m => m.Orders).Where(o => o.At >= from && o.At < to && o.CouponCost > 0).ToList();
        var couponCost = redeemed.Sum(o => o.CouponCost);
        decimal PerCustomer(decimal total, int n) => n == 0 ? 0 : total / n;
        var incrementalRevenue = (PerCustomer(treated.Revenue, treated.Customers) - PerCustomer(control.Revenue, control.Customers)) * treated.Customers;
        var incrementalMargin = (PerCustomer(treated.Margin, treated.Customers) - PerCustomer(control.Margin, control.Customers)) * treated.Customers;
        return new CampaignResults(from, to, treated, control,
            Difference(treated.Repurchased, treated.Customers, control.Repurchased, control.Customers),
            Difference(treated.Retained, treated.Customers, control.Retained, control.Customers),
            redeemed.Count,
            Math.Round(couponCost, 2),
            Math.Round(incrementalRevenue, 2),
            // The orders' margin is after the discount already; the coupon cost is shown, and taken off only once.
            Math.Round(incrementalMargin, 2),
            currency);
    }

    /// <summary>
    /// p1 - p0 with Newcombe's interval (method 10: the Wilson score intervals of each rate combined), which keeps its
    /// coverage for small groups and rates near 0 or 1, where the plain normal interval does not.
    /// </summary>
    public static Uplift Difference(int successes1, int n1, int successes0, int n0)
    {
        if (n1 == 0 || n0 == 0)
            return new Uplift(0, -1, 1);
        var (p1, p0) = (successes1 / (double)n1, successes0 / (double)n0);
        var (l1, u1) = Wilson(successes1, n1);
        var (l0, u0) = Wilson(successes0, n0);
        var d = p1 - p0;
        return new Uplift(d,
            d - Math.Sqrt((p1 - l1) * (p1 - l1) + (u0 - p0) * (u0 - p0)),
            d + Math.Sqrt((u1 - p1) * (u1 - p1) + (p0 - l0) * (p0 - l0)));
    }

    public static (double Low, double High) Wilson(int successes, int n)
    {
        var p = successes / (double)n;
        var z2 = Z95 * Z95;
        var centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        var spread = Z95 * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return (centre - spread, centre + spread);
    }
}
