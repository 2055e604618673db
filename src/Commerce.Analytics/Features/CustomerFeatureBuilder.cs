using System.Runtime.InteropServices;
using Commerce.Analytics.History;
using Commerce.Catalog.Customers;
using Commerce.Events.Behaviour;

namespace Commerce.Analytics.Features;

/// <summary>
/// What a population tells about each of its members as of a date: the RFM quintile cut points, the median
/// usual gap (for customers with one order), and each item's median unit price (for price sensitivity).
/// Kept with nightly features so that a customer refreshed alone is scored as the population run would.
/// </summary>
public sealed record PopulationContext(DateTime AsOf, RfmScale Scale, double MedianGapDays, IReadOnlyDictionary<string, decimal> MedianPrices);

/// <summary>Features of every customer who ordered before <see cref="Context"/>'s date.</summary>
public sealed record FeatureSet(PopulationContext Context, IReadOnlyList<CustomerFeatures> Customers);

/// <summary>
/// The one feature builder, for training and serving alike: features of customers as of any date from their
/// order lines (sales and returns) and behaviour events strictly before it, plus their profile. A population
/// run and a run for one customer with that population's context give the same answer.
/// </summary>
public sealed class CustomerFeatureBuilder(FeatureSettings settings)
{
    /// <summary>With no customer of two orders or more to learn from, a month is the usual gap.</summary>
    private const double FallbackGapDays = 30;

    private static readonly IReadOnlySet<string> NotInterests = new HashSet<string>(StringComparer.Ordinal)
    {
        "AND", "THE", "WITH", "FOR", "SET", "OF", "IN", "OFF", "ASSORTED", "DESIGN", "SMALL", "LARGE", "MINI", "JUMBO", "PACK", "BOX", "PIECE", "SIZE", "IMPORTED",
    };

    public FeatureSettings Settings => settings;

    /// <summary>Behaviour older than this before the as-of date adds little (interests have halved twice) and need not be read.</summary>
    public static readonly TimeSpan BehaviourWindow = TimeSpan.FromDays(180);

    public FeatureSet Build(PurchaseHistory history, IEnumerable<BehaviourEvent> events, IReadOnlyDictionary<string, CustomerProfile> profiles, DateTime asOf)
    {
        var known = history.Before(asOf).Lines;
        var byCustomer = new Dictionary<string, List<Purchase>>(StringComparer.Ordinal);
        foreach (var line in known)
        {
            if (!byCustomer.TryGetValue(line.CustomerId, out var own))
                byCustomer[line.CustomerId] = own = [];
            own.Add(line);
        }
        var eventsOf = events.Where(e => e.CustomerId is not null && e.Time.UtcDateTime < asOf).ToLookup(e => e.CustomerId!, StringComparer.Ordinal);
        var measured = new List<Measured>(byCustomer.Count);
        foreach (var (customerId, lines) in byCustomer)
        {
            if (Measure(customerId, lines, asOf) is { } m)
                measured.Add(m);
        }
        var context = new PopulationContext(
            asOf,
            RfmScale.Of(measured.Select(m => m.RecencyDays).ToList(), measured.Select(m => m.Orders.Count).ToList(), measured.Select(m => m.Monetary).ToList()),
            MedianGap(measured),
            MedianPrices(known));
        var features = measured
            .Select(m => Complete(m, eventsOf[m.CustomerId], profiles.GetValueOrDefault(m.CustomerId), context))
            .OrderBy(f => f.CustomerId, StringComparer.Ordinal)
            .ToList();
        return new FeatureSet(context, features);
    }

    /// <summary>One customer's features with a population's context (serving); null when they had not ordered by then.</summary>
    public CustomerFeatures? BuildOne(string customerId, IEnumerable<Purchase> lines, IEnumerable<BehaviourEvent> events, CustomerProfile? profile, PopulationContext context, DateTime asOf)
    {
        var measured = Measure(customerId, lines.Where(p => p.CustomerId == customerId && p.At < asOf).ToList(), asOf);
        return measured is null ? null : Complete(measured, events.Where(e => e.CustomerId == customerId && e.Time.UtcDateTime < asOf), profile, context);
    }

    /// <summary>The order rhythm and spend of one customer, before anything population-wide is known.</summary>
    private sealed record Measured(string CustomerId, DateTime AsOf, List<Purchase> Sales, List<Purchase> Returns, List<DateTime> Orders, int RecencyDays, decimal Monetary, double? MeanGap, double? LastGap, double? GapBeforeLast);

    // Written as plain loops: this runs for every line of every customer on each nightly run and each scoring.
    private static Measured? Measure(string customerId, List<Purchase> lines, DateTime asOf)
    {
        List<Purchase> sales = [], returns = [];
        var placed = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        decimal salesTotal = 0, returnsTotal = 0;
        foreach (var line in lines)
        {
            if (line.IsReturn)
            {
                returns.Add(line);
                returnsTotal += line.Amount;
                continue;
            }
            sales.Add(line);
            salesTotal += line.Amount;
            if (!placed.TryGetValue(line.OrderId, out var first) || line.At < first)
                placed[line.OrderId] = line.At;
        }
        if (sales.Count == 0)
            return null;
        var orders = placed.Values.ToList();
        orders.Sort();
        var gapCount = orders.Count - 1;
        double gapsTotal = 0, gapsBeforeLast = 0, lastGap = 0;
        for (var i = 1; i < orders.Count; i++)
        {
            lastGap = (orders[i] - orders[i - 1]).TotalDays;
            gapsBeforeLast = gapsTotal;
            gapsTotal += lastGap;
        }
        return new Measured(customerId, asOf, sales, returns, orders,
            RecencyDays: WholeDays(asOf - orders[^1]),
            Monetary: salesTotal + returnsTotal,
            MeanGap: gapCount > 0 ? gapsTotal / gapCount : null,
            LastGap: gapCount > 0 ? lastGap : null,
            GapBeforeLast: gapCount > 1 ? gapsBeforeLast / (gapCount - 1) : null);
    }

    private CustomerFeatures Complete(Measured m, IEnumerable<BehaviourEvent> events, CustomerProfile? profile, PopulationContext context)
    {
        var asOf = m.AsOf;
        var scale = context.Scale;
        var (recencyScore, frequencyScore) = (scale.RecencyScore(m.RecencyDays), scale.FrequencyScore(m.Orders.Count));
        var window = TimeSpan.FromDays(settings.TrendWindowDays);
        var (recentFrom, earlierFrom) = (asOf - window, asOf - 2 * window);
        var tierFrom = asOf - TimeSpan.FromDays(settings.Tiers.WindowDays);
        decimal gross = 0, recent = 0, earlier = 0, trailing = 0, discounted = 0, atRelativePrice = 0, returned = 0;
        foreach (var p in m.Sales)
        {
            var amount = p.Amount;
            gross += amount;
            if (p.At >= recentFrom)
                recent += amount;
            else if (p.At >= earlierFrom)
                earlier += amount;
            if (p.At >= tierFrom)
                trailing += amount;
            if (p.Discounted)
                discounted += amount;
            atRelativePrice += amount * (context.MedianPrices.TryGetValue(p.Sku, out var median) && median > 0 ? p.UnitPrice / median : 1m);
        }
        foreach (var p in m.Returns)
        {
            returned -= p.Amount;
            if (p.At >= tierFrom)
                trailing += p.Amount;
        }

        var activitySince = asOf - TimeSpan.FromDays(settings.ActivityWindowDays);
        var seen = events.ToList();
        var active = seen.Where(e => e.Time.UtcDateTime >= activitySince).ToList();

        var usualGap = Math.Max(m.MeanGap ?? context.MedianGapDays, settings.Lifecycle.MinGapDays);
        return new CustomerFeatures
        {
            CustomerId = m.CustomerId,
            AsOf = asOf,
            Currency = settings.Currency,
            RecencyDays = m.RecencyDays,
            Frequency = m.Orders.Count,
            Monetary = m.Monetary,
            RecencyScore = recencyScore,
            FrequencyScore = frequencyScore,
            MonetaryScore = scale.MonetaryScore(m.Monetary),
            Segment = RfmSegments.Of(recencyScore, frequencyScore),
            TenureDays = WholeDays(asOf - m.Orders[0]),
            MeanGapDays = m.MeanGap,
            LastGapDays = m.LastGap,
            UsualGapDays = usualGap,
            RecentSpend = recent,
            EarlierSpend = earlier,
            PurchaseTrend = recent + earlier > 0 ? (double)((recent - earlier) / (recent + earlier)) : 0,
            AverageOrderValue = gross / m.Orders.Count,
            ReturnsShare = gross > 0 ? (double)(returned / gross) : 0,
            DiscountShare = gross > 0 ? (double)(discounted / gross) : 0,
            RelativePrice = gross > 0 ? (double)(atRelativePrice / gross) : 1,
            Interests = Interests(m.Sales, seen, asOf),
            Views = active.Count(e => e.Type == BehaviourEventTypes.ProductViewed),
            Searches = active.Count(e => e.Type == BehaviourEventTypes.Search),
            CartAdds = active.Count(e => e.Type == BehaviourEventTypes.AddedToCart),
            RecommendationClicks = active.Count(e => e.Type == BehaviourEventTypes.RecommendationClicked),
            DaysSinceLastSeen = seen.Count > 0 ? WholeDays(asOf - seen.Max(e => e.Time.UtcDateTime)) : null,
            Stage = Stage(m, usualGap, context.MedianGapDays),
            TrailingSpend = trailing,
            Tier = Tier(trailing),
            Kind = profile?.Kind ?? CustomerKind.Consumer,
            Country = profile?.Country ?? m.Sales[^1].Country,
            CompanySize = profile?.CompanySize,
            Industry = profile?.Industry,
        };
    }

    /// <summary>
    /// New within its first days; then lapsed or at risk as recency passes multiples of the usual gap; a customer
    /// whose last order ended a lapse (a gap that long against their rhythm before it) is reactivated; else active.
    /// </summary>
    private LifecycleStage Stage(Measured m, double usualGap, double populationGap)
    {
        var thresholds = settings.Lifecycle;
        if ((m.AsOf - m.Orders[0]).TotalDays <= thresholds.NewDays)
            return LifecycleStage.New;
        if (m.RecencyDays > thresholds.LapsedRatio * usualGap)
            return LifecycleStage.Lapsed;
        if (m.RecencyDays > thresholds.AtRiskRatio * usualGap)
            return LifecycleStage.AtRisk;
        var rhythmBefore = Math.Max(m.GapBeforeLast ?? populationGap, thresholds.MinGapDays);
        return m.LastGap > thresholds.LapsedRatio * rhythmBefore ? LifecycleStage.Reactivated : LifecycleStage.Active;
    }

    private MembershipTier Tier(decimal trailingSpend)
    {
        var tiers = settings.Tiers;
        return trailingSpend >= tiers.Platinum ? MembershipTier.Platinum
            : trailingSpend >= tiers.Gold ? MembershipTier.Gold
            : trailingSpend >= tiers.Silver ? MembershipTier.Silver
            : MembershipTier.None;
    }

    /// <summary>
    /// Each order line counts 1, a cart add 0.5 and a view 0.2 towards the item's category and the words of its
    /// name, halving every <see cref="FeatureSettings.InterestHalfLifeDays"/>; the top ones, as shares of the total.
    /// </summary>
    private IReadOnlyList<Interest> Interests(List<Purchase> sales, List<BehaviourEvent> events, DateTime asOf)
    {
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        var (decayedAt, decay) = (DateTime.MinValue, 0.0);
        void Add(Purchase? item, DateTime at, double signal)
        {
            if (item is null)
                return;
            if (at != decayedAt)
                (decayedAt, decay) = (at, Math.Pow(0.5, (asOf - at).TotalDays / settings.InterestHalfLifeDays));
            var weight = signal * decay;
            foreach (var tag in Tags(item))
                CollectionsMarshal.GetValueRefOrAddDefault(weights, tag, out _) += weight;
        }
        foreach (var sale in sales)
            Add(sale, sale.At, 1);
        var viewed = events.Where(e => e.Sku is not null).ToList();
        // The last line of each item bought: what a view or a cart add of it is tagged with.
        var items = new Dictionary<string, Purchase>(viewed.Count == 0 ? 0 : sales.Count, StringComparer.Ordinal);
        if (viewed.Count > 0)
        {
            foreach (var sale in sales)
                items[sale.Sku] = sale;
        }
        foreach (var e in viewed)
        {
            var signal = e.Type switch { BehaviourEventTypes.AddedToCart => 0.5, BehaviourEventTypes.ProductViewed => 0.2, _ => 0 };
            if (signal > 0)
                Add(items.GetValueOrDefault(e.Sku!), e.Time.UtcDateTime, signal);
        }
        var total = weights.Values.Sum();
        return total <= 0 ? [] : weights
            .OrderByDescending(w => w.Value).ThenBy(w => w.Key, StringComparer.Ordinal)
            .Take(settings.TopInterests)
            .Select(w => new Interest(w.Key, w.Value / total))
            .ToList();
    }

    /// <summary>The item's category, and the words of its name that say what it is (not "set", "of", "small").</summary>
    public IReadOnlyList<string> Tags(Purchase item) =>
        _tags.GetOrAdd((item.Name, item.Category), static key =>
        {
            var tags = new List<string>();
            if (key.Category is { Length: > 0 } category)
                tags.Add("category:" + category);
            foreach (var word in (key.Name ?? "").ToUpperInvariant().Split(NotLetters, StringSplitOptions.RemoveEmptyEntries).Distinct(StringComparer.Ordinal))
            {
                if (word.Length >= 3 && !NotInterests.Contains(word))
                    tags.Add(word.ToLowerInvariant());
            }
            return tags;
        });

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string? Name, string? Category), IReadOnlyList<string>> _tags = new();

    private static readonly char[] NotLetters = [.. Enumerable.Range(0, 128).Select(c => (char)c).Where(c => !char.IsAsciiLetter(c))];

    private static double MedianGap(List<Measured> measured)
    {
        var gaps = measured.Where(m => m.MeanGap is not null).Select(m => m.MeanGap!.Value).Order().ToList();
        return gaps.Count == 0 ? FallbackGapDays : Median(gaps);
    }

    private static Dictionary<string, decimal> MedianPrices(IReadOnlyList<Purchase> lines)
    {
        var prices = new Dictionary<string, List<decimal>>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (line.IsReturn)
                continue;
            if (!prices.TryGetValue(line.Sku, out var paid))
                prices[line.Sku] = paid = [];
            paid.Add(line.UnitPrice);
        }
        var medians = new Dictionary<string, decimal>(prices.Count, StringComparer.Ordinal);
        foreach (var (sku, paid) in prices)
        {
            paid.Sort();
            medians[sku] = Median(paid);
        }
        return medians;
    }

    private static double Median(List<double> sorted) => sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private static decimal Median(List<decimal> sorted) => sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;

    private static int WholeDays(TimeSpan span) => (int)Math.Floor(span.TotalDays);
}
