using Commerce.Experiments.Statistics;

namespace Commerce.Retention.Campaigns;

/// <summary>An order a campaign member placed in the measurement window: what it brought in and what the member's code took off it, in its currency.</summary>
public sealed record MemberOrder(DateTimeOffset At, string Currency, decimal Revenue, decimal Margin, decimal CouponCost);

public sealed record MemberOutcome(CampaignGroup Group, IReadOnlyList<MemberOrder> Orders);

/// <summary>
/// Treated against control over one window: rates, uplift with a 95% interval, and whether the offers paid for themselves.
/// Every order counts as a repurchase; money (revenue, margin, codes redeemed and their cost) counts orders in
/// <c>currency</c> only, since amounts in different currencies do not add up.
/// </summary>
public static class CampaignMeasurement
{
    public static CampaignResults Measure(IReadOnlyList<MemberOutcome> members, DateTimeOffset from, DateTimeOffset to, string currency)
    {
        var half = from + (to - from) / 2;
        bool InCurrency(MemberOrder order) => string.Equals(order.Currency, currency, StringComparison.Ordinal);
        GroupOutcome Outcome(CampaignGroup group)
        {
            var inWindow = members.Where(m => m.Group == group).Select(m => m.Orders.Where(o => o.At >= from && o.At < to).ToList()).ToList();
            var n = inWindow.Count;
            var repurchased = inWindow.Count(o => o.Count > 0);
            var retained = inWindow.Count(o => o.Any(x => x.At >= half));
            var revenue = inWindow.Sum(o => o.Where(InCurrency).Sum(x => x.Revenue));
            var margin = inWindow.Sum(o => o.Where(InCurrency).Sum(x => x.Margin));
            return new GroupOutcome(n, repurchased, retained, revenue, margin,
                n == 0 ? 0 : repurchased / (double)n, n == 0 ? 0 : retained / (double)n, n == 0 ? 0 : Math.Round(revenue / n, 2));
        }
        var treated = Outcome(CampaignGroup.Treated);
        var control = Outcome(CampaignGroup.Control);
        // Each member's money in the window, for the intervals of the incremental figures.
        List<double> PerMember(CampaignGroup group, Func<MemberOrder, decimal> amount) =>
            [.. members.Where(m => m.Group == group).Select(m => (double)m.Orders.Where(o => o.At >= from && o.At < to && InCurrency(o)).Sum(amount))];
        MoneyInterval? Interval(Func<MemberOrder, decimal> amount) =>
            Comparisons.Means(PerMember(CampaignGroup.Control, amount), PerMember(CampaignGroup.Treated, amount)) is { } means
                ? new MoneyInterval(Math.Round((decimal)means.Lower * treated.Customers, 2), Math.Round((decimal)means.Upper * treated.Customers, 2))
                : null;
        var redeemed = members.Where(m => m.Group == CampaignGroup.Treated).SelectMany(m => m.Orders).Where(o => o.At >= from && o.At < to && o.CouponCost > 0 && InCurrency(o)).ToList();
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
            currency)
        {
            IncrementalRevenueInterval = Interval(o => o.Revenue),
            IncrementalMarginInterval = Interval(o => o.Margin),
        };
    }

    /// <summary>p1 - p0 with its 95% interval, as every experiment states it (<see cref="Comparisons.Rates"/>: Newcombe's method 10).</summary>
    public static Uplift Difference(int successes1, int n1, int successes0, int n0) =>
        Comparisons.Rates(successes0, n0, successes1, n1) is { } rates ? new Uplift(rates.Difference, rates.Lower, rates.Upper) : new Uplift(0, -1, 1);
}
