namespace Commerce.Intelligence.Recommendations;

/// <summary>
/// What the ranker knows of a buyer beyond their interactions: their segment, how price-sensitive they are
/// (0 = never buys on discount, 1 = only on discount) and their interest per category (0..1). Filled from
/// the customer feature builder; any part may be unknown.
/// </summary>
public sealed record BuyerFeatures(string? Segment = null, double? PriceSensitivity = null, IReadOnlyDictionary<string, double>? CategoryInterests = null);

/// <summary>What the catalogue knows of an item: its category, price and margin (a fraction of the price).</summary>
public sealed record ItemFacts(string? Category = null, decimal? Price = null, double? Margin = null);

/// <summary>Buyer features and item facts by id, for training and for serving alike.</summary>
public sealed record RankingInputs(IReadOnlyDictionary<string, BuyerFeatures> Buyers, IReadOnlyDictionary<string, ItemFacts> Items)
{
    public static readonly RankingInputs None = new(new Dictionary<string, BuyerFeatures>(), new Dictionary<string, ItemFacts>());

    public BuyerFeatures? Buyer(string userId) => Buyers.GetValueOrDefault(userId);

    /// <summary>
    /// What can be known without the customer feature builder: item facts from the catalogue, and each buyer's
    /// interest per category as the share of their purchase lines in it. Segment and price sensitivity stay
    /// unknown (the ranker then uses the price ratio it computes from the interactions).
    /// </summary>
    public static RankingInputs FromCatalog(IEnumerable<Interaction> purchases, IReadOnlyDictionary<string, ItemFacts> items)
    {
        var buyers = purchases
            .Where(p => p.Kind == InteractionKind.Purchase && items.GetValueOrDefault(p.Sku)?.Category is not null)
            .GroupBy(p => p.UserId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g =>
            {
                var lines = g.ToList();
                var interests = lines.GroupBy(p => items[p.Sku].Category!, StringComparer.Ordinal)
                    .ToDictionary(c => c.Key, c => (double)c.Count() / lines.Count, StringComparer.Ordinal);
                return new BuyerFeatures(CategoryInterests: interests);
            }, StringComparer.Ordinal);
        return new RankingInputs(buyers, items);
    }

    public ItemFacts? Item(string sku) => Items.GetValueOrDefault(sku);
}
