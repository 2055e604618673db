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

    public ItemFacts? Item(string sku) => Items.GetValueOrDefault(sku);
}
