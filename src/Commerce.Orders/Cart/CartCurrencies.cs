namespace Commerce.Orders.Cart;

/// <summary>An order is paid in one currency, so lines priced in different currencies cannot be bought together.</summary>
public static class CartCurrencies
{
    /// <summary>For lines (SKU and the currency it is priced in, null when unpriced) in more than one currency, why each priced line cannot be checked out with the others, by index; empty otherwise.</summary>
    public static IReadOnlyDictionary<int, string> MixedLines(IReadOnlyList<(string Sku, string? Currency)> lines)
    {
        var priced = lines.Select((line, index) => (line.Sku, line.Currency, Index: index)).Where(l => l.Currency is not null).ToList();
        var currencies = priced.GroupBy(l => l.Currency!, StringComparer.Ordinal).ToList();
        if (currencies.Count < 2)
            return new Dictionary<int, string>();
        var all = string.Join(" and ", currencies.Select(c => $"{c.Key} ({string.Join(", ", c.Select(l => l.Sku))})"));
        return priced.ToDictionary(l => l.Index, l => $"{l.Sku} is priced in {l.Currency}; an order is paid in one currency and these lines are in {all}: buy them in separate orders");
    }
}
