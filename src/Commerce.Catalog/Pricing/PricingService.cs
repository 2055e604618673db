using Commerce.Catalog.Customers;
using Commerce.Catalog.Products;

namespace Commerce.Catalog.Pricing;

public sealed record QuoteRequest(string Sku, int Quantity, string? CustomerId = null, string? PriceListId = null, string? Coupon = null);

/// <summary>A quote, or why there is none: the SKU is unknown, or a field of the request is wrong.</summary>
public sealed record QuoteResult(Quote? Quote, bool UnknownSku, IReadOnlyDictionary<string, string[]> Errors)
{
    public bool IsValid => Quote is { IsValid: true } && Errors.Count == 0;
}

/// <summary>Gathers what <see cref="PriceCalculator"/> needs (product, the buyer's price list and membership tier, promotions) and asks it.</summary>
public sealed class PricingService(ProductCatalog catalog, PricingStore pricing, CustomerService customers, TimeProvider time)
{
    public async Task<QuoteResult> QuoteAsync(QuoteRequest request, CancellationToken cancellationToken = default) =>
        (await QuoteLinesAsync(request.CustomerId, request.PriceListId, request.Coupon, [(request.Sku, request.Quantity)], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Quotes several lines for one buyer (a cart or a checkout), with one price list and one coupon for all.</summary>
    public async Task<IReadOnlyList<QuoteResult>> QuoteLinesAsync(string? customerId, string? priceListId, string? coupon, IReadOnlyList<(string Sku, int Quantity)> lines, CancellationToken cancellationToken = default)
    {
        var errors = new Dictionary<string, string[]>();
        var customer = customerId is null ? null : (await customers.GetAsync(customerId, cancellationToken).ConfigureAwait(false))?.Customer;
        var listId = priceListId ?? customer?.PriceListId;
        var list = (await pricing.GetPriceListAsync(listId ?? PriceList.RetailId, cancellationToken).ConfigureAwait(false))?.List;
        if (list is null && priceListId is not null)
            errors["priceList"] = [$"'{priceListId}' is not a price list"];
        var promotions = await pricing.PromotionsAsync(cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrWhiteSpace(coupon))
        {
            var now = time.GetUtcNow();
            var matching = promotions.FirstOrDefault(p => string.Equals(p.Coupon, coupon, StringComparison.OrdinalIgnoreCase));
            // Someone else's personal coupon reads as no coupon at all: the answer does not tell whose it is.
            if (matching is null || !matching.IsActive(now) || !matching.IsFor(customerId))
                errors["coupon"] = [$"'{coupon}' is not a valid coupon"];
            else if (!matching.HasUsesLeft)
                errors["coupon"] = [$"'{coupon}' has been used up"];
        }

        var categories = await catalog.CategoriesAsync(cancellationToken).ConfigureAwait(false);
        var results = new List<QuoteResult>(lines.Count);
        foreach (var (sku, quantity) in lines)
        {
            var product = Skus.IsValid(sku) ? await catalog.GetAsync(sku, cancellationToken).ConfigureAwait(false) : null;
            if (product is null)
            {
                results.Add(new QuoteResult(null, true, new Dictionary<string, string[]> { ["sku"] = [$"'{sku}' is not a product"] }));
                continue;
            }
            var quote = PriceCalculator.Calculate(new PricingInput(
                product.Product, quantity, categories.PathOf(product.Product.Category), list, promotions, coupon, time.GetUtcNow(), customer?.MembershipTier ?? MembershipTier.None, customerId));
            results.Add(new QuoteResult(quote, false, errors));
        }
        return results;
    }
}
