using System.Globalization;
using Commerce.Analytics.Features;
using Commerce.Catalog.Customers;

namespace Commerce.Intelligence.Churn;

/// <summary>One customer as the churn model sees them at a cut: the customer features and the churn signals.</summary>
/// <param name="TrendWindowDays">the window of the features' recent and earlier spend.</param>
public sealed record ChurnInput(CustomerFeatures Features, ChurnSignals Signals, int TrendWindowDays);

/// <summary>
/// One input of the churn model: its name, what it measures in plain words, its value for a customer, and the
/// sentence that explains a customer's risk when this input raises it. Money and counts enter as log(1 + x)
/// so that the linear baseline sees them on a sensible scale (the trees do not mind).
/// </summary>
public sealed record ChurnColumn(string Name, string Meaning, Func<ChurnInput, float> Value, Func<ChurnInput, string> Reason);

/// <summary>The inputs of the churn models, in vector order; the one place that maps a customer to numbers and numbers back to words.</summary>
public static class ChurnColumns
{
    private static float Log(double value) => (float)Math.Log(1 + Math.Max(0, value));

    private static float Log(decimal value) => Log((double)value);

    private static float Log(int value) => Log((double)value);

    private static float OrMissing(double? value) => value is { } v ? (float)v : float.NaN;

    private static string NothingLately(ChurnInput c) => $"bought nothing in the last {c.TrendWindowDays} days";

    private static string Days(double days) => Math.Round(days).ToString(CultureInfo.InvariantCulture);

    private static string Money(ChurnInput c, decimal amount) => FormattableString.Invariant($"{c.Features.Currency} {amount:N0}");

    /// <summary>"usually orders every N" only where there is a rhythm: two orders on one day are not one.</summary>
    private static string Overdue(ChurnInput c) => c.Features.MeanGapDays is { } gap && gap >= 1
        ? $"no order for {c.Features.RecencyDays} days; usually orders every {Days(gap)}"
        : $"no order for {c.Features.RecencyDays} days";

    public static readonly ChurnColumn Recency = new("recency_days", "days since the last order", c => c.Features.RecencyDays, Overdue);

    public static readonly ChurnColumn Frequency = new("orders", "orders placed (log)", c => Log(c.Features.Frequency),
        c => c.Features.Frequency == 1 ? "only one order so far" : $"only {c.Features.Frequency} orders in {c.Features.TenureDays} days");

    public static readonly ChurnColumn Monetary = new("net_spend", "net spend (log)", c => Log(c.Features.Monetary),
        c => $"has spent {Money(c, c.Features.Monetary)} in all, less than most customers");

    public static readonly ChurnColumn Tenure = new("tenure_days", "days since the first order", c => c.Features.TenureDays,
        c => $"first ordered only {c.Features.TenureDays} days ago");

    public static readonly ChurnColumn UsualGap = new("usual_gap_days", "usual days between orders", c => (float)c.Features.UsualGapDays,
        c => $"orders only every {Days(c.Features.UsualGapDays)} days or so");

    public static readonly ChurnColumn LastGap = new("last_gap_days", "days between the last two orders", c => (float)(c.Features.LastGapDays ?? c.Features.UsualGapDays),
        c => c.Features.LastGapDays switch
        {
            null => "has not ordered a second time",
            < 1 => "placed the last two orders on the same day",
            { } gap => $"waited {Days(gap)} days between the last two orders",
        });

    public static readonly ChurnColumn Trend = new("purchase_trend", "spend in the last window against the one before", c => (float)c.Features.PurchaseTrend,
        c => c.Features.RecentSpend == 0
            ? NothingLately(c)
            : FormattableString.Invariant($"spent {Money(c, c.Features.RecentSpend)} in the last {c.TrendWindowDays} days against {Money(c, c.Features.EarlierSpend)} in the {c.TrendWindowDays} before"));

    public static readonly ChurnColumn RecentSpend = new("recent_spend", "spend in the last trend window (log)", c => Log(c.Features.RecentSpend),
        c => c.Features.RecentSpend == 0 ? NothingLately(c) : $"spent only {Money(c, c.Features.RecentSpend)} in the last {c.TrendWindowDays} days");

    /// <summary>The reference logistic regression's inputs: recency, frequency, spend, tenure, rhythm and trend.</summary>
    public static readonly IReadOnlyList<ChurnColumn> Baseline = [Recency, Frequency, Monetary, Tenure, UsualGap, LastGap, Trend, RecentSpend];

    /// <summary>Everything the boosted model reads: the baseline's inputs, the rest of the customer features and the churn signals.</summary>
    public static readonly IReadOnlyList<ChurnColumn> All =
    [
        .. Baseline,
        new("overdue_ratio", "days since the last order over the usual gap", c => (float)(c.Features.RecencyDays / c.Features.UsualGapDays), Overdue),
        new("mean_gap_days", "mean days between orders", c => OrMissing(c.Features.MeanGapDays), c => c.Features.MeanGapDays switch
        {
            null => "has not ordered a second time",
            < 1 => "placed their orders less than a day apart on average",
            { } gap => $"orders every {Days(gap)} days on average",
        }),
        new("earlier_spend", "spend in the trend window before the last (log)", c => Log(c.Features.EarlierSpend),
            c => $"spent {Money(c, c.Features.EarlierSpend)} in the {c.TrendWindowDays} days before the last {c.TrendWindowDays}"),
        new("average_order_value", "spend per order (log)", c => Log(c.Features.AverageOrderValue), c => $"small orders ({Money(c, c.Features.AverageOrderValue)} on average)"),
        new("returns_share", "share of spend returned", c => (float)c.Features.ReturnsShare,
            c => FormattableString.Invariant($"returned {c.Features.ReturnsShare:P0} of what they bought")),
        new("discount_share", "share of spend bought below list price", c => (float)c.Features.DiscountShare,
            c => FormattableString.Invariant($"bought {c.Features.DiscountShare:P0} of their spend on discount")),
        new("relative_price", "prices paid against the items' median", c => (float)c.Features.RelativePrice,
            c => c.Features.RelativePrice < 1
                ? FormattableString.Invariant($"price-sensitive: pays {1 - c.Features.RelativePrice:P0} below the usual price")
                : FormattableString.Invariant($"pays {c.Features.RelativePrice - 1:P0} above the usual price")),
        new("top_interest_share", "weight of the main interest (category mix)", c => c.Features.Interests.Count > 0 ? (float)c.Features.Interests[0].Weight : float.NaN,
            c => c.Features.Interests.Count > 0 ? FormattableString.Invariant($"buys mostly one kind of item ({c.Features.Interests[0].Tag}, {c.Features.Interests[0].Weight:P0})") : "no clear interest"),
        new("stage", "lifecycle stage", c => (float)c.Features.Stage, c => $"lifecycle stage: {StageWords(c.Features.Stage)}"),
        new("tier", "membership tier", c => (float)c.Features.Tier, c => c.Features.Tier == MembershipTier.None ? "no membership tier" : $"{c.Features.Tier.ToString().ToLowerInvariant()} tier"),
        new("business", "a business (wholesale) account", c => c.Features.Kind == CustomerKind.Business ? 1 : 0,
            c => c.Features.Kind == CustomerKind.Business ? "a wholesale account" : "a consumer account"),
        new("views", "product views in the activity window", c => Log(c.Features.Views), c => $"viewed {c.Features.Views} products lately"),
        new("searches", "searches in the activity window", c => Log(c.Features.Searches), c => $"searched {c.Features.Searches} times lately"),
        new("cart_adds", "cart adds in the activity window", c => Log(c.Features.CartAdds), c => $"added to the cart {c.Features.CartAdds} times lately"),
        new("days_since_seen", "days since any visit", c => c.Features.DaysSinceLastSeen ?? float.NaN,
            c => c.Features.DaysSinceLastSeen is { } days ? $"last visited {days} days ago" : "never seen on the site or app"),
        new("orders_30_days", "orders in the last 30 days", c => c.Signals.OrdersLast30Days, c => $"{Count(c.Signals.OrdersLast30Days, "order")} in the last 30 days"),
        new("orders_90_days", "orders in the last 90 days", c => c.Signals.OrdersLast90Days, c => $"{Count(c.Signals.OrdersLast90Days, "order")} in the last 90 days"),
        new("active_months", "months with an order", c => c.Signals.ActiveMonths,
            c => $"ordered in only {Count(c.Signals.ActiveMonths, "month")} of the last {Math.Max(1, c.Features.TenureDays / 30)}"),
        new("orders_180_days", "orders in the last 180 days", c => c.Signals.OrdersLast180Days, c => $"{Count(c.Signals.OrdersLast180Days, "order")} in the last 180 days"),
        new("weeks_with_order_13", "weeks with an order among the last 13", c => c.Signals.WeeksWithOrderLast13,
            c => $"ordered in {Count(c.Signals.WeeksWithOrderLast13, "week")} of the last 13"),
        // Rates and shares rather than counts: a customer seen for nine months is compared with one seen for six on the same scale.
        new("orders_per_month", "orders per month since the first", c => (float)(c.Features.Frequency / Months(c)),
            c => FormattableString.Invariant($"{c.Features.Frequency / Months(c):0.#} orders a month since the first")),
        new("recency_over_tenure", "days since the last order over days since the first", c => (float)c.Features.RecencyDays / Math.Max(1, c.Features.TenureDays), Overdue),
        new("active_month_share", "share of the months since the first order with an order", c => (float)Math.Min(1, c.Signals.ActiveMonths / Math.Ceiling(Months(c))),
            c => $"ordered in only {Count(c.Signals.ActiveMonths, "calendar month")} since the first order {c.Features.TenureDays} days ago"),
        new("distinct_items", "different items bought (log)", c => Log(c.Signals.DistinctItems), c => $"has bought only {Count(c.Signals.DistinctItems, "different item")}"),
        new("items_per_order", "different items per order (basket breadth)", c => (float)c.Signals.ItemsPerOrder,
            c => FormattableString.Invariant($"narrow baskets ({c.Signals.ItemsPerOrder:0.#} items an order)")),
        new("units_per_line", "units per order line (log)", c => Log(c.Signals.UnitsPerLine),
            c => c.Signals.UnitsPerLine < 1.5 ? "buys single units, not packs or cases" : FormattableString.Invariant($"buys {c.Signals.UnitsPerLine:0.#} units of an item at a time")),
        new("gap_variation", "irregularity of the gaps between orders", c => OrMissing(c.Signals.GapVariation),
            c => c.Signals.GapVariation is null ? "too few orders to show a rhythm" : "orders at irregular intervals"),
        new("same_season_last_year", "orders in the coming season a year earlier", c => c.Signals.OrdersSameSeasonLastYear,
            c => c.Signals.OrdersSameSeasonLastYear == 0 ? "did not order in this season last year" : $"{Count(c.Signals.OrdersSameSeasonLastYear, "order")} in this season last year"),
    ];

    public static float[] Vector(IReadOnlyList<ChurnColumn> columns, ChurnInput input)
    {
        var vector = new float[columns.Count];
        for (var i = 0; i < vector.Length; i++)
            vector[i] = columns[i].Value(input);
        return vector;
    }

    /// <summary>Months since the first order, at least one.</summary>
    private static double Months(ChurnInput c) => Math.Max(1, c.Features.TenureDays / 30.4);

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private static string StageWords(LifecycleStage stage) => stage switch
    {
        LifecycleStage.AtRisk => "at risk",
        _ => stage.ToString().ToLowerInvariant(),
    };
}
