using System.Diagnostics.Metrics;
using Commerce.Catalog.Inventory;
using Commerce.Catalog.Products;
using Commerce.Intelligence.Models;
using Commerce.Telemetry;

namespace Commerce.Intelligence.Recommendations.Serving;

/// <summary>Where a list is shown; each slot draws on different sources.</summary>
public enum RecommendationSlot
{
    Home,
    Product,
    Cart,
    Checkout,
    Reorder,
}

/// <summary>Why an item is recommended, in a shape clients can render their own way.</summary>
public sealed record RecommendationReason(string Type, string? Sku = null, string? Segment = null, double? UsualIntervalDays = null, double? DaysSinceLastOrder = null)
{
    public const string BoughtTogether = "bought_together";
    public const string SimilarBuyers = "similar_buyers";
    public const string ReorderDue = "reorder_due";
    public const string PopularInSegment = "popular_in_segment";
    public const string Trending = "trending";
    public const string ViewedSimilar = "viewed_similar";
}

public sealed record RecommendedProduct(Product Product, double Score, IReadOnlyList<RecommendationReason> Reasons, string Explanation);

public sealed record RecommendationList(string Slot, string? ModelVersion, bool Personalised, IReadOnlyList<RecommendedProduct> Items);

/// <summary>How a list is put together; a bandit learns which works best in each slot.</summary>
public enum RecommendationStrategy
{
    /// <summary>The slot's sources in the model's order: a few items due for reorder, the ranker's list, then popular ones.</summary>
    Ranker,

    /// <summary>Every item due for reorder first, then as <see cref="Ranker"/>.</summary>
    ReorderFirst,

    /// <summary>Popular and trending items only, as an anonymous visitor gets them.</summary>
    Popular,
}

/// <param name="CartSkus">what the buyer has in their cart (cart and checkout slots).</param>
public sealed record RecommendationQuery(RecommendationSlot Slot, string? CustomerId, string? Sku, int Limit, IReadOnlyList<string> CartSkus,
    RecommendationStrategy Strategy = RecommendationStrategy.Ranker);

/// <summary>
/// Answers a slot for a buyer from the live model: gathers candidates from the slot's sources, puts the
/// buyer's own purchases (the model's record plus orders since it was trained) against them, and lets
/// <see cref="RecommendationRules"/> choose. Anonymous buyers get popular and trending items, or items like
/// the product they are looking at.
/// </summary>
public sealed class RecommendationService(
    LiveModel<RecommendationModel> live,
    ProductCatalog catalog,
    StockAvailability stock,
    IRecentPurchases recentPurchases,
    RecommendationRules rules,
    TimeProvider time)
{
    private readonly record struct Candidate(string Sku, double Score, RecommendationReason Reason);

    private static readonly Histogram<double> ServingTime = CommerceTelemetry.Meter.CreateHistogram<double>("commerce.recommendations.duration", "s",
        "Time to make a recommendation list, by slot and whether it was personalised.");

    public async Task<RecommendationList> RecommendAsync(RecommendationQuery query, CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        var loaded = live.Current;
        var model = loaded?.Model;
        var now = time.GetUtcNow().UtcDateTime;
        var buyer = query.CustomerId is not null && model is not null ? model.Buyers.GetValueOrDefault(query.CustomerId) : null;
        var bought = await BoughtAsync(model, buyer, query.CustomerId, cancellationToken).ConfigureAwait(false);
        var products = await catalog.ProductsAsync(cancellationToken).ConfigureAwait(false);
        var available = await stock.SnapshotAsync(cancellationToken).ConfigureAwait(false);

        var excluded = new HashSet<string>(query.CartSkus, StringComparer.OrdinalIgnoreCase);
        if (query.Sku is not null)
            excluded.Add(query.Sku);
        var candidates = model is null ? [] : (query.Slot, query.Strategy) switch
        {
            (RecommendationSlot.Reorder, _) => Due(bought, now),
            (_, RecommendationStrategy.Popular) => Popular(model, buyer),
            (_, RecommendationStrategy.ReorderFirst) => Due(bought, now).Concat(BySlot(model, query, buyer, bought, now)),
            _ => BySlot(model, query, buyer, bought, now),
        };
        var chosen = rules.Apply(candidates, c => c.Sku, sku => FindProduct(sku), sku => available.GetValueOrDefault(Skus.Normalize(sku)),
            sku => bought.GetValueOrDefault(sku), excluded, now, query.Limit);
        var items = chosen.Select(c => new RecommendedProduct(c.Product, Math.Round(c.Candidate.Score, 4), [c.Candidate.Reason], Sentence(c.Candidate.Reason))).ToList();
        var list = new RecommendationList(query.Slot.ToString().ToLowerInvariant(), loaded?.Version, buyer is not null, items);
        ServingTime.Record(time.GetElapsedTime(started).TotalSeconds, new("slot", list.Slot), new("personalised", list.Personalised));
        return list;

        Product? FindProduct(string sku) => products.GetValueOrDefault(Skus.Normalize(sku))?.Product;
        string Sentence(RecommendationReason reason) => Explain(reason, FindProduct);
    }

    private IEnumerable<Candidate> BySlot(RecommendationModel model, RecommendationQuery query, BuyerEntry? buyer, Dictionary<string, BoughtItem> bought, DateTime now) => query.Slot switch
    {
        RecommendationSlot.Product => Around(model, [query.Sku!], buyer).Concat(Personal(model, buyer)).Concat(Popular(model, buyer)),
        RecommendationSlot.Cart or RecommendationSlot.Checkout => Around(model, query.CartSkus, buyer).Concat(Personal(model, buyer)).Concat(Popular(model, buyer)),
        _ => Due(bought, now).Take(3).Concat(Personal(model, buyer)).Concat(Popular(model, buyer)),
    };

    /// <summary>The buyer's purchases by SKU: the model's record, then every order placed since the model's data ended.</summary>
    private async Task<Dictionary<string, BoughtItem>> BoughtAsync(RecommendationModel? model, BuyerEntry? buyer, string? customerId, CancellationToken cancellationToken)
    {
        var bought = new Dictionary<string, BoughtItem>(StringComparer.OrdinalIgnoreCase);
        if (customerId is null)
            return bought;
        if (model is not null && buyer is not null)
        {
            foreach (var p in buyer.Purchases)
                bought[model.Items[p.Item]] = new BoughtItem(p.LastAt, p.Orders, p.UsualIntervalDays);
        }
        var since = model is null ? DateTimeOffset.MinValue : new DateTimeOffset(DateTime.SpecifyKind(model.DataEnd, DateTimeKind.Utc));
        var recent = await recentPurchases.SinceAsync(customerId, since, cancellationToken).ConfigureAwait(false);
        foreach (var order in recent.Where(p => !p.IsReturn).GroupBy(p => p.OrderId).OrderBy(o => o.Min(p => p.At)))
        {
            foreach (var sku in order.Select(p => p.Sku).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                var at = order.Min(p => p.At);
                bought[sku] = bought.TryGetValue(sku, out var before) && at > before.LastAt
                    ? new BoughtItem(at, before.Orders + 1, UsualAfter(before, at))
                    : new BoughtItem(at, Math.Max(1, before?.Orders ?? 1), before?.UsualIntervalDays ?? double.NaN);
            }
        }
        return bought;
    }

    /// <summary>The usual interval once one more order came <paramref name="at"/>: the running mean of the gaps.</summary>
    private static double UsualAfter(BoughtItem before, DateTime at)
    {
        var gap = (at - before.LastAt).TotalDays;
        return double.IsNaN(before.UsualIntervalDays) || before.Orders < 2 ? gap : (before.UsualIntervalDays * (before.Orders - 1) + gap) / before.Orders;
    }

    private IEnumerable<Candidate> Due(Dictionary<string, BoughtItem> bought, DateTime now) =>
        bought.Where(b => rules.IsDue(b.Value, now))
            .OrderByDescending(b => RecommendationRules.Dueness(b.Value, now)).ThenBy(b => b.Key, StringComparer.Ordinal)
            .Select(b => new Candidate(b.Key, Math.Min(1, RecommendationRules.Dueness(b.Value, now)),
                new RecommendationReason(RecommendationReason.ReorderDue, b.Key, UsualIntervalDays: Math.Round(b.Value.UsualIntervalDays, 1), DaysSinceLastOrder: Math.Round((now - b.Value.LastAt).TotalDays, 1))));

    private static IEnumerable<Candidate> Personal(RecommendationModel model, BuyerEntry? buyer)
    {
        if (buyer is null)
            yield break;
        foreach (var ranked in buyer.Ranked)
        {
            var reason = ranked.Reason switch
            {
                RecallKind.BoughtTogether => new RecommendationReason(RecommendationReason.BoughtTogether, Sku: Anchor(model, ranked.Anchor)),
                RecallKind.ViewedSimilar => new RecommendationReason(RecommendationReason.ViewedSimilar, Sku: Anchor(model, ranked.Anchor)),
                RecallKind.Trending => new RecommendationReason(RecommendationReason.Trending),
                RecallKind.PopularInSegment or RecallKind.Popular => new RecommendationReason(RecommendationReason.PopularInSegment, Segment: buyer.Segment ?? buyer.Country),
                _ => new RecommendationReason(RecommendationReason.SimilarBuyers),
            };
            yield return new Candidate(model.Items[ranked.Item], Logistic(ranked.Score), reason);
        }
    }

    /// <summary>Bought together with, then similar to, the given items; items also on the buyer's own list come first.</summary>
    private static IEnumerable<Candidate> Around(RecommendationModel model, IReadOnlyList<string> skus, BuyerEntry? buyer)
    {
        var personal = buyer?.Ranked.Select(r => r.Item).ToHashSet() ?? [];
        var scored = new Dictionary<int, Candidate>();
        foreach (var sku in skus)
        {
            if (!model.ItemIndex.TryGetValue(sku, out var item))
                continue;
            foreach (var (other, score) in model.Together[item])
                Keep(other, score, new RecommendationReason(RecommendationReason.BoughtTogether, Sku: model.Items[item]));
            foreach (var (other, score) in model.Similar[item])
                Keep(other, score * 0.5, new RecommendationReason(RecommendationReason.ViewedSimilar, Sku: model.Items[item]));
        }
        return scored.OrderByDescending(c => personal.Contains(model.ItemIndex[c.Value.Sku])).ThenByDescending(c => c.Value.Score).ThenBy(c => c.Key).Select(c => c.Value);

        void Keep(int other, double score, RecommendationReason reason)
        {
            if (!scored.TryGetValue(other, out var current) || current.Score < score)
                scored[other] = new Candidate(model.Items[other], Math.Min(1, score), reason);
        }
    }

    /// <summary>Popular in the buyer's country and trending, interleaved; the whole shop's popular items for anonymous buyers.</summary>
    private static IEnumerable<Candidate> Popular(RecommendationModel model, BuyerEntry? buyer)
    {
        var segment = buyer?.Segment ?? buyer?.Country;
        var popular = buyer is not null && model.PopularByCountry.TryGetValue(buyer.Country, out var inCountry) ? inCountry : model.Popular;
        var popularTop = popular.Length > 0 ? popular[0].Score : 1;
        var trendingTop = model.Trending.Length > 0 ? model.Trending[0].Score : 1;
        for (var i = 0; i < Math.Max(popular.Length, model.Trending.Length); i++)
        {
            if (i < model.Trending.Length)
                yield return new Candidate(model.Items[model.Trending[i].Item], model.Trending[i].Score / trendingTop * 0.5, new RecommendationReason(RecommendationReason.Trending));
            if (i < popular.Length)
                yield return new Candidate(model.Items[popular[i].Item], popular[i].Score / popularTop * 0.5, new RecommendationReason(RecommendationReason.PopularInSegment, Segment: segment));
        }
    }

    private static string? Anchor(RecommendationModel model, int item) => item >= 0 ? model.Items[item] : null;

    private static double Logistic(float score) => 1 / (1 + Math.Exp(-score));

    /// <summary>One plain sentence for the reason.</summary>
    public static string Explain(RecommendationReason reason, Func<string, Product?> product)
    {
        string Name(string? sku) => sku is null ? "an item you chose" : product(sku)?.Name ?? sku;
        return reason.Type switch
        {
            RecommendationReason.BoughtTogether => $"Often bought together with {Name(reason.Sku)}.",
            RecommendationReason.ViewedSimilar => $"Similar to {Name(reason.Sku)}.",
            RecommendationReason.ReorderDue => $"You usually reorder this every {reason.UsualIntervalDays:0} days, and your last order was {reason.DaysSinceLastOrder:0} days ago.",
            RecommendationReason.PopularInSegment => reason.Segment is { Length: > 0 } segment ? $"Popular lately with customers in {segment}." : "Popular with our customers lately.",
            RecommendationReason.Trending => "Trending: more customers bought it this month than last.",
            _ => "Customers who buy what you buy also bought this.",
        };
    }
}
