using Commerce.Catalog.Products;

namespace Commerce.Intelligence.Recommendations.Serving;

/// <summary>What the buyer bought, by SKU, as of now: the model's record plus orders placed since it was trained.</summary>
public sealed record BoughtItem(DateTime LastAt, int Orders, double UsualIntervalDays);

/// <summary>
/// The constraints every recommended list obeys, in one place: only active products, in stock for at least
/// their minimum order quantity, at or above the margin floor, at most N per category, and nothing the buyer
/// bought recently unless it is due for reorder.
/// </summary>
public sealed class RecommendationRules(RecommendationSettings settings)
{
    /// <summary>Whether the buyer's usual interval has (nearly) passed since they last ordered the item.</summary>
    public bool IsDue(BoughtItem bought, DateTime now) =>
        bought.Orders >= 2 && bought.UsualIntervalDays > 0 && (now - bought.LastAt).TotalDays >= bought.UsualIntervalDays * settings.ReorderDueFraction;

    /// <summary>Days since the last order over the usual interval: 1 means due today, 2 means a whole interval late.</summary>
    public static double Dueness(BoughtItem bought, DateTime now) => (now - bought.LastAt).TotalDays / bought.UsualIntervalDays;

    /// <summary>Why a product may not be recommended, or null when it may.</summary>
    public string? Refusal(Product product, int available, BoughtItem? bought, DateTime now)
    {
        if (product.Status != ProductStatus.Active)
            return "inactive";
        if (available < Math.Max(1, product.MinOrderQuantity))
            return "out_of_stock";
        if (product.Cost is { } cost && product.ListPrice > 0 && (product.ListPrice - cost) / product.ListPrice < settings.MarginFloor)
            return "below_margin_floor";
        if (bought is not null && (now - bought.LastAt).TotalDays < settings.RecentPurchaseDays && !IsDue(bought, now))
            return "bought_recently";
        return null;
    }

    /// <summary>
    /// The first <paramref name="limit"/> candidates, in their order, that pass <see cref="Refusal"/>, are not
    /// <paramref name="excluded"/>, repeat no SKU and keep each category within the cap.
    /// </summary>
    public List<(T Candidate, Product Product)> Apply<T>(
        IEnumerable<T> candidates,
        Func<T, string> skuOf,
        Func<string, Product?> product,
        Func<string, int> available,
        Func<string, BoughtItem?> bought,
        IReadOnlySet<string> excluded,
        DateTime now,
        int limit)
    {
        var chosen = new List<(T, Product)>(limit);
        var seen = new HashSet<string>(excluded, StringComparer.OrdinalIgnoreCase);
        var perCategory = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var candidate in candidates)
        {
            var sku = skuOf(candidate);
            if (!seen.Add(sku) || product(sku) is not { } found)
                continue;
            if (perCategory.GetValueOrDefault(found.Category) >= settings.MaxPerCategory)
                continue;
            if (Refusal(found, available(sku), bought(sku), now) is not null)
                continue;
            perCategory[found.Category] = perCategory.GetValueOrDefault(found.Category) + 1;
            chosen.Add((candidate, found));
            if (chosen.Count == limit)
                break;
        }
        return chosen;
    }
}
