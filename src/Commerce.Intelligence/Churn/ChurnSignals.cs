using Commerce.Analytics.History;

namespace Commerce.Intelligence.Churn;

/// <summary>
/// What a customer's order lines before the cut tell about churn beyond the customer features: how recent
/// orders cluster, in how many of the last 13 weeks they ordered, how regular the rhythm is, how broad the
/// baskets are, how much of last year's coming season they bought, and their repeat buying as the customer-base
/// model reads it. Only lines strictly before <c>asOf</c> count.
/// </summary>
public sealed record ChurnSignals(
    int OrdersLast30Days,
    int OrdersLast90Days,
    int OrdersLast180Days,
    int WeeksWithOrderLast13,
    int ActiveMonths,
    int DistinctItems,
    double ItemsPerOrder,
    double UnitsPerLine,
    double? GapVariation,
    int OrdersSameSeasonLastYear,
    RepeatBuying Buying)
{
    public static IReadOnlyDictionary<string, ChurnSignals> Of(PurchaseHistory history, DateTime asOf, int horizonDays) =>
        history.Lines.Where(p => p.At < asOf && !p.IsReturn)
            .GroupBy(p => p.CustomerId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Of(g.ToList(), asOf, horizonDays), StringComparer.Ordinal);

    /// <param name="sales">one customer's sale lines before <paramref name="asOf"/>.</param>
    public static ChurnSignals Of(IReadOnlyList<Purchase> sales, DateTime asOf, int horizonDays)
    {
        var orders = sales.GroupBy(p => p.OrderId, StringComparer.Ordinal)
            .Select(o => (At: o.Min(p => p.At), Items: o.Select(p => p.Sku).Distinct(StringComparer.Ordinal).Count()))
            .OrderBy(o => o.At)
            .ToList();
        var gaps = orders.Zip(orders.Skip(1), (a, b) => (b.At - a.At).TotalDays).ToList();
        double? variation = null;
        if (gaps.Count >= 2 && gaps.Average() > 0)
        {
            var mean = gaps.Average();
            variation = Math.Sqrt(gaps.Sum(g => (g - mean) * (g - mean)) / gaps.Count) / mean;
        }
        var (seasonFrom, seasonTo) = (asOf.AddYears(-1), asOf.AddYears(-1).AddDays(horizonDays));
        return new ChurnSignals(
            OrdersLast30Days: orders.Count(o => o.At >= asOf.AddDays(-30)),
            OrdersLast90Days: orders.Count(o => o.At >= asOf.AddDays(-90)),
            OrdersLast180Days: orders.Count(o => o.At >= asOf.AddDays(-180)),
            WeeksWithOrderLast13: orders.Where(o => o.At >= asOf.AddDays(-91)).Select(o => (int)((asOf - o.At).TotalDays / 7)).Distinct().Count(),
            ActiveMonths: orders.Select(o => (o.At.Year, o.At.Month)).Distinct().Count(),
            DistinctItems: sales.Select(p => p.Sku).Distinct(StringComparer.Ordinal).Count(),
            ItemsPerOrder: orders.Average(o => o.Items),
            UnitsPerLine: sales.Average(p => p.Quantity),
            GapVariation: variation,
            OrdersSameSeasonLastYear: orders.Count(o => o.At >= seasonFrom && o.At < seasonTo),
            Buying: new RepeatBuying(
                orders.Select(o => o.At.Date).Distinct().Count() - 1,
                (orders[^1].At - orders[0].At).TotalDays,
                (asOf - orders[0].At).TotalDays));
    }
}
