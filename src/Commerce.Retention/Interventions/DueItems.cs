using Commerce.Analytics.History;

namespace Commerce.Retention.Interventions;

/// <summary>An item the customer buys again and again, and when it is due again by their own rhythm for it.</summary>
public sealed record DueItem(string Sku, string Name, DateTimeOffset LastBought, double EveryDays, DateTimeOffset DueAt);

public static class DueItems
{
    /// <summary>
    /// Items bought in at least two different orders whose next purchase (the last one plus the mean gap between
    /// this customer's orders of it) falls before <paramref name="horizon"/>, most overdue first.
    /// </summary>
    public static IReadOnlyList<DueItem> Of(IEnumerable<Purchase> sales, DateTimeOffset horizon, int max = 5) =>
        sales.Where(p => !p.IsReturn)
            .GroupBy(p => p.Sku, StringComparer.Ordinal)
            .Select(g =>
            {
                var times = g.GroupBy(p => p.OrderId, StringComparer.Ordinal).Select(o => o.Min(p => p.At)).Order().ToList();
                if (times.Count < 2)
                    return null;
                var every = (times[^1] - times[0]).TotalDays / (times.Count - 1);
                var last = new DateTimeOffset(times[^1], TimeSpan.Zero);
                return new DueItem(g.Key, g.Last().Name ?? g.Key, last, Math.Round(every, 1), last.AddDays(every));
            })
            .OfType<DueItem>()
            .Where(d => d.EveryDays >= 1 && d.DueAt <= horizon)
            .OrderBy(d => d.DueAt)
            .Take(max)
            .ToList();
}
