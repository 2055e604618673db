namespace Commerce.Analytics.History;

/// <summary>
/// One order line of a known customer: a sale, or a return (negative quantity) booked against the
/// customer. <see cref="At"/> is when the order was placed (for a return, when it came back), in UTC.
/// </summary>
public sealed record Purchase(string CustomerId, string OrderId, string Sku, int Quantity, decimal UnitPrice, DateTime At, string Country)
{
    public bool IsReturn => Quantity < 0;

    public decimal Amount => Quantity * UnitPrice;

    /// <summary>The item's name when it was bought.</summary>
    public string? Name { get; init; }

    /// <summary>The item's category when it was bought, where the shop had one.</summary>
    public string? Category { get; init; }

    /// <summary>Bought below the list price: under a promotion, a price list or a quantity tier.</summary>
    public bool Discounted { get; init; }

    /// <summary>For a return, the order it was matched to, if any.</summary>
    public string? ReturnOf { get; init; }
}

/// <summary>
/// The order lines that features, models and evaluations learn from, oldest first (then by order, SKU,
/// quantity and price, so that every source of the same lines gives the same sequence). Training in production
/// loads it from the lake; evaluations load it from the Online Retail file; both go through the same code
/// from here on, so what is measured offline is what runs.
/// </summary>
public sealed class PurchaseHistory
{
    public PurchaseHistory(IEnumerable<Purchase> purchases)
        : this(new ArraySegment<Purchase>(purchases.OrderBy(p => p.At).ThenBy(p => p.OrderId, StringComparer.Ordinal).ThenBy(p => p.Sku, StringComparer.Ordinal)
            .ThenBy(p => p.Quantity).ThenBy(p => p.UnitPrice).ToArray()))
    {
    }

    /// <summary>A slice of lines already in order: a time window of an ordered history is ordered too.</summary>
    private PurchaseHistory(ArraySegment<Purchase> ordered) => _lines = ordered;

    private readonly ArraySegment<Purchase> _lines;

    public IReadOnlyList<Purchase> Lines => _lines;

    /// <summary>The lines placed strictly before <paramref name="cut"/>: what was known at that moment.</summary>
    public PurchaseHistory Before(DateTime cut) => new(_lines[..FirstAtOrAfter(cut)]);

    /// <summary>The lines placed at or after <paramref name="from"/> and before <paramref name="to"/>.</summary>
    public PurchaseHistory Between(DateTime from, DateTime to)
    {
        var start = FirstAtOrAfter(from);
        return new(_lines[start..Math.Max(start, FirstAtOrAfter(to))]);
    }

    /// <summary>The index of the first line placed at or after <paramref name="moment"/> (the count of lines before it).</summary>
    public int FirstAtOrAfter(DateTime moment)
    {
        var (low, high) = (0, _lines.Count);
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_lines[middle].At < moment)
                low = middle + 1;
            else
                high = middle;
        }
        return low;
    }

    public IEnumerable<Purchase> Sales => Lines.Where(p => !p.IsReturn);

    /// <summary>
    /// Customer sales and returns of goods from Online Retail lines, as <see cref="OnlineRetailHistory"/> arranges
    /// them (and as the history import stores them): lines without a customer, postage, fees and adjustments,
    /// and lines without a positive price or with no quantity are left out; times are UTC.
    /// </summary>
    public static PurchaseHistory FromOnlineRetail(IEnumerable<OnlineRetailLine> lines) => new(OnlineRetailHistory.From(lines).Purchases());
}
