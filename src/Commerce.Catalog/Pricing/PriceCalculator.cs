using System.Globalization;
using Commerce.Catalog.Customers;
using Commerce.Catalog.Products;

namespace Commerce.Catalog.Pricing;

/// <summary>A rule that shaped a price, and by how much it changed the line total (negative for discounts).</summary>
public sealed record AppliedRule(string Rule, string Description, decimal Amount);

/// <summary>A reason the quantity or product cannot be ordered as asked, naming the request field.</summary>
public sealed record QuoteProblem(string Field, string Message);

public sealed record Quote(
    string Sku,
    int Quantity,
    string Currency,
    decimal ListPrice,
    decimal UnitPrice,
    decimal Total,
    string PriceListId,
    IReadOnlyList<AppliedRule> AppliedRules,
    IReadOnlyList<QuoteProblem> Problems)
{
    public bool IsValid => Problems.Count == 0;
}

/// <param name="CategoryPath">the product's category first, then its parent, up to the root.</param>
/// <param name="Membership">the buyer's membership tier, for members' promotions.</param>
/// <param name="CustomerId">the buyer, for personal coupons; null for an anonymous quote.</param>
public sealed record PricingInput(
    Product Product,
    int Quantity,
    IReadOnlyList<string> CategoryPath,
    PriceList? PriceList,
    IReadOnlyList<Promotion> Promotions,
    string? Coupon,
    DateTimeOffset Now,
    MembershipTier Membership = MembershipTier.None,
    string? CustomerId = null);

/// <summary>
/// How a price is computed — the one place, used by quotes, carts, checkout and recommendations. Rules apply
/// in this order: list price, the customer's price list (SKU entry, else the nearest category entry), the
/// quantity tier, minimum order quantity and pack size (which can only refuse), then promotions (the best
/// single one, plus every stackable one; members' promotions only for the buyer's membership tier; amount-off ones only for
/// prices in their currency). The line is rounded once, half-even, to the currency's minor unit,
/// and the breakdown adds up to the total exactly.
/// </summary>
public static class PriceCalculator
{
    public static Quote Calculate(PricingInput input)
    {
        var product = input.Product;
        var quantity = input.Quantity;
        var currency = product.Currency;
        var priceList = input.PriceList;
        var problems = new List<QuoteProblem>();
        if (quantity < 1)
            problems.Add(new QuoteProblem("quantity", "must be at least 1"));
        if (product.Status != ProductStatus.Active)
            problems.Add(new QuoteProblem("sku", $"{product.Sku} is {product.Status.ToString().ToLowerInvariant()} and cannot be ordered"));
        var units = Math.Max(quantity, 0);

        var unit = product.ListPrice;
        var rules = new List<AppliedRule> { new("listPrice", $"list price {Format(unit, currency)} x {units}", unit * units) };

        var entry = priceList is null ? null : EntryFor(priceList, product.Sku, input.CategoryPath);
        if (entry is not null)
        {
            var listed = entry.Price ?? unit * (1 - (entry.PercentOff ?? 0) / 100m);
            var target = entry.Sku is not null ? product.Sku : $"category {entry.Category}";
            var how = entry.Price is not null ? $"contract price {Format(listed, currency)}" : $"{Percent(entry.PercentOff!.Value)} off";
            rules.Add(new AppliedRule("priceList", $"{priceList!.Name} ({target}): {how}", (listed - unit) * units));
            unit = listed;
        }

        if (priceList is not null && TierFor(priceList, units) is { PercentOff: > 0 } tier)
        {
            var tiered = unit * (1 - tier.PercentOff / 100m);
            var range = tier.MaxQuantity is { } max ? $"{tier.MinQuantity}-{max}" : $"{tier.MinQuantity}+";
            rules.Add(new AppliedRule("quantityTier", $"{range} units: {Percent(tier.PercentOff)} off", (tiered - unit) * units));
            unit = tiered;
        }

        var minimum = entry?.MinOrderQuantity ?? product.MinOrderQuantity;
        var pack = entry?.PackSize ?? product.PackSize;
        if (quantity >= 1 && quantity < minimum)
            problems.Add(new QuoteProblem("quantity", $"must be at least {minimum} (minimum order quantity of {product.Sku})"));
        if (quantity >= 1 && pack > 1 && quantity % pack != 0)
            problems.Add(new QuoteProblem("quantity", $"must be a multiple of {pack} ({product.Sku} is sold in packs of {pack})"));

        var eligible = input.Promotions.Where(p => Applies(p, product.Sku, currency, input)).ToList();
        var best = eligible.Where(p => !p.Stackable).MaxBy(p => DiscountPerUnit(p, unit));
        foreach (var promotion in eligible.Where(p => p.Stackable || p == best).OrderBy(p => p.Stackable))
        {
            var discount = DiscountPerUnit(promotion, unit);
            if (discount <= 0)
                continue;
            var what = promotion.Kind == PromotionKind.PercentOff ? $"{Percent(promotion.Value)} off" : $"{Format(promotion.Value, currency)} off each";
            var coupon = promotion.Coupon is null ? "" : $" with coupon {promotion.Coupon}";
            var members = promotion.MembershipTiers.Count == 0 ? "" : $" for {input.Membership.ToString().ToLowerInvariant()} members";
            rules.Add(new AppliedRule("promotion", $"{promotion.Name}: {what}{coupon}{members}", -discount * units));
            unit -= discount;
        }

        var exact = unit * units;
        var total = Currencies.Round(exact, currency);
        if (total != exact)
            rules.Add(new AppliedRule("rounding", $"line rounded half-even to {Format(total, currency)}", total - exact));
        return new Quote(product.Sku, quantity, currency, product.ListPrice, Normalize(unit), total, priceList?.Id ?? PriceList.RetailId,
            rules.Select(r => r with { Amount = Normalize(r.Amount) }).ToList(), problems);
    }

    private static PriceListEntry? EntryFor(PriceList list, string sku, IReadOnlyList<string> categoryPath)
    {
        foreach (var entry in list.Entries)
        {
            if (entry.Sku is not null && string.Equals(entry.Sku, sku, StringComparison.OrdinalIgnoreCase))
                return entry;
        }
        foreach (var category in categoryPath)
        {
            foreach (var entry in list.Entries)
            {
                if (entry.Sku is null && string.Equals(entry.Category, category, StringComparison.OrdinalIgnoreCase))
                    return entry;
            }
        }
        return null;
    }

    private static QuantityTier? TierFor(PriceList list, int quantity)
    {
        foreach (var tier in list.Tiers)
        {
            if (quantity >= tier.MinQuantity && (tier.MaxQuantity is null || quantity <= tier.MaxQuantity))
                return tier;
        }
        return null;
    }

    private static bool Applies(Promotion promotion, string sku, string currency, PricingInput input)
    {
        if (!promotion.IsActive(input.Now) || !promotion.IsFor(input.CustomerId))
            return false;
        if (promotion.Kind == PromotionKind.AmountOff && !string.Equals(promotion.Currency, currency, StringComparison.Ordinal))
            return false;
        if (promotion.MembershipTiers.Count > 0 && !promotion.MembershipTiers.Contains(input.Membership))
            return false;
        if (promotion.Coupon is not null && !(string.Equals(promotion.Coupon, input.Coupon, StringComparison.OrdinalIgnoreCase) && promotion.HasUsesLeft))
            return false;
        if (promotion.Sku is not null)
            return string.Equals(promotion.Sku, sku, StringComparison.OrdinalIgnoreCase);
        if (promotion.Category is not null)
            return input.CategoryPath.Contains(promotion.Category, StringComparer.OrdinalIgnoreCase);
        return true;
    }

    private static decimal DiscountPerUnit(Promotion promotion, decimal unit) => promotion.Kind switch
    {
        PromotionKind.PercentOff => unit * promotion.Value / 100m,
        _ => Math.Min(promotion.Value, unit),
    };

    private static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    private static string Format(decimal amount, string currency) => string.Create(CultureInfo.InvariantCulture, $"{Normalize(amount)} {currency}");

    private static string Percent(decimal value) => string.Create(CultureInfo.InvariantCulture, $"{Normalize(value)}%");
}
