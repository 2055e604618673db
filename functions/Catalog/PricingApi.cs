using System.Security.Claims;
using Commerce.Catalog.Customers;
using Commerce.Catalog.Pricing;
using Commerce.Functions.Http;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Storage.Documents;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Catalog;

/// <summary>Quotes for buyers; price lists and promotions for admins.</summary>
public static class PricingApi
{
    public static FunctionCatalog MapPricingApi(this FunctionCatalog functions)
    {
        functions.AddHttp("QuoteProduct", "products/{sku}/price", ["GET"], Quote,
            configure: e => e.WithSummary("The price of N units with its breakdown; a customer token prices with that customer's price list and tiers."));
        functions.AddHttp("GetPriceList", "price-lists/{id}", ["GET"], GetPriceList,
            configure: e => e.RequireAdmin().WithSummary("A contract price list with its entries and quantity tiers."));
        functions.AddHttp("PutPriceList", "price-lists/{id}", ["PUT"], PutPriceList,
            configure: e => e.RequireAdmin().WithSummary("Creates or replaces a price list; If-Match makes the replace conditional."));
        functions.AddHttp("ListPromotions", "promotions", ["GET"], ListPromotions,
            configure: e => e.RequireAdmin().WithSummary("Every promotion, coupon codes and usage included."));
        functions.AddHttp("CreatePromotion", "promotions", ["POST"], CreatePromotion,
            configure: e => e.RequireAdmin().WithSummary("Adds a promotion (percentage off, or an amount off in one currency that applies only to prices in it; by SKU or category, optional coupon with a usage limit, optionally redeemable by one customer only)."));
        return functions;
    }

    public static async Task<Results<Ok<Quote>, NotFound, ValidationProblem, ProblemHttpResult>> Quote(
        string sku, int? quantity, string? priceList, string? coupon, ClaimsPrincipal user, PricingService pricing, CustomerService customers, CancellationToken cancellationToken)
    {
        var customerId = user.SubjectId();
        if (customerId is not null)
            await customers.GetOrCreateAsync(customerId, cancellationToken);
        if (priceList is not null && !user.IsAdmin())
        {
            var own = customerId is null ? null : (await customers.GetAsync(customerId, cancellationToken))?.Customer.PriceListId;
            if (!string.Equals(own, priceList, StringComparison.OrdinalIgnoreCase) && !string.Equals(priceList, PriceList.RetailId, StringComparison.OrdinalIgnoreCase))
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Price list not yours",
                    detail: $"Only admins and customers assigned to '{priceList}' may quote with it.");
        }
        var result = await pricing.QuoteAsync(new QuoteRequest(sku, quantity ?? 1, customerId, priceList, coupon), cancellationToken);
        if (result.UnknownSku)
            return TypedResults.NotFound();
        var errors = new Dictionary<string, string[]>(result.Errors);
        foreach (var problem in result.Quote!.Problems)
            errors[problem.Field] = errors.TryGetValue(problem.Field, out var existing) ? [.. existing, problem.Message] : [problem.Message];
        return errors.Count > 0 ? TypedResults.ValidationProblem(errors) : TypedResults.Ok(result.Quote);
    }

    public static async Task<Results<Ok<PriceList>, NotFound>> GetPriceList(string id, HttpContext context, PricingStore store, CancellationToken cancellationToken)
    {
        if (await store.GetPriceListAsync(id, cancellationToken) is not { } found)
            return TypedResults.NotFound();
        context.Response.Headers.ETag = found.ETag;
        return TypedResults.Ok(found.List);
    }

    public static async Task<Results<Ok<PriceList>, ValidationProblem, ProblemHttpResult>> PutPriceList(string id, HttpContext context, PricingStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request);
        var list = new PriceList
        {
            Id = id,
            Name = body.String("name", required: true, maxLength: 100) ?? "",
            Entries = body.Objects("entries", e => new PriceListEntry(
                e.String("sku", maxLength: 64), e.String("category", maxLength: 64), e.Decimal("price"), e.Decimal("percentOff"),
                e.Int("minOrderQuantity"), e.Int("packSize"))) ?? [],
            Tiers = body.Objects("tiers", t => new QuantityTier(t.Int("minQuantity", required: true) ?? 1, t.Int("maxQuantity"), t.Decimal("percentOff", required: true) ?? 0)) ?? [],
            UpdatedAt = time.GetUtcNow(),
        };
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            body.Fail("id", "must be 1-64 letters, digits, '-' or '_'");
        foreach (var (entry, i) in list.Entries.Select((e, i) => (e, i)))
        {
            if ((entry.Sku is null) == (entry.Category is null))
                body.Fail($"entries[{i}]", "needs exactly one of sku and category");
            if ((entry.Price is null) == (entry.PercentOff is null))
                body.Fail($"entries[{i}]", "needs exactly one of price and percentOff");
            if (entry.Price < 0)
                body.Fail($"entries[{i}].price", "must be zero or more");
            if (entry.PercentOff is < 0 or > 100)
                body.Fail($"entries[{i}].percentOff", "must be between 0 and 100");
            if (entry.MinOrderQuantity < 1 || entry.PackSize < 1)
                body.Fail($"entries[{i}]", "minOrderQuantity and packSize must be at least 1");
        }
        for (var i = 0; i < list.Tiers.Count; i++)
        {
            var tier = list.Tiers[i];
            if (tier.MinQuantity < 1 || tier.MaxQuantity < tier.MinQuantity)
                body.Fail($"tiers[{i}]", "needs 1 <= minQuantity <= maxQuantity");
            if (tier.PercentOff is < 0 or > 100)
                body.Fail($"tiers[{i}].percentOff", "must be between 0 and 100");
            if (i > 0 && (list.Tiers[i - 1].MaxQuantity is not { } previousMax || tier.MinQuantity <= previousMax))
                body.Fail("tiers", $"must be sorted by quantity without overlaps (tier {i} starts at {tier.MinQuantity})");
            if (i < list.Tiers.Count - 1 && tier.MaxQuantity is null)
                body.Fail("tiers", "only the last tier may be open-ended");
        }
        if (body.Errors.Count > 0)
            return TypedResults.ValidationProblem(body.Errors);
        try
        {
            var (saved, etag) = await store.PutPriceListAsync(list, Preconditions.IfMatch(context.Request), cancellationToken);
            context.Response.Headers.ETag = etag;
            return TypedResults.Ok(saved);
        }
        catch (Exception e) when (e is DocumentPreconditionFailedException or DocumentNotFoundException)
        {
            return Preconditions.Failed("price list");
        }
    }

    public static async Task<Ok<IReadOnlyList<Promotion>>> ListPromotions(PricingStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(await store.PromotionsAsync(cancellationToken));

    public static async Task<Results<Created<Promotion>, ValidationProblem, ProblemHttpResult>> CreatePromotion(HttpRequest request, PricingStore store, CustomerService customers, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(request);
        var promotion = new Promotion
        {
            Id = body.String("id", maxLength: 64) ?? Guid.NewGuid().ToString("N")[..12],
            Name = body.String("name", required: true, maxLength: 100) ?? "",
            Kind = body.Enum<PromotionKind>("kind", required: true) ?? PromotionKind.PercentOff,
            Value = body.Decimal("value", required: true) ?? 0,
            Currency = body.String("currency", maxLength: 3)?.ToUpperInvariant(),
            Sku = body.String("sku", maxLength: 64),
            Category = body.String("category", maxLength: 64),
            ValidFrom = body.Time("validFrom"),
            ValidTo = body.Time("validTo"),
            Coupon = body.String("coupon", maxLength: 40),
            UsageLimit = body.Int("usageLimit"),
            Stackable = body.Bool("stackable") ?? false,
            MembershipTiers = body.Enums<MembershipTier>("membershipTiers") ?? [],
            CustomerId = body.String("customerId", maxLength: 255),
        };
        if (promotion.MembershipTiers.Contains(MembershipTier.None))
            body.Fail("membershipTiers", "'none' is no membership tier; use silver, gold or platinum");
        if (promotion.Value <= 0 || (promotion.Kind == PromotionKind.PercentOff && promotion.Value > 100))
            body.Fail("value", promotion.Kind == PromotionKind.PercentOff ? "must be between 0 and 100" : "must be more than zero");
        if (promotion.Kind == PromotionKind.AmountOff && !Currencies.IsKnown(promotion.Currency))
            body.Fail("currency", promotion.Currency is null ? "is required: an amount off is in one currency and applies only to prices in it" : $"'{promotion.Currency}' is not a currency this shop accepts");
        if (promotion.Kind == PromotionKind.PercentOff && promotion.Currency is not null)
            body.Fail("currency", "is for an amount off; a percentage applies in every currency");
        if (promotion.ValidFrom >= promotion.ValidTo)
            body.Fail("validTo", "must be after validFrom");
        if (promotion.UsageLimit < 1)
            body.Fail("usageLimit", "must be at least 1");
        if (promotion.Sku is not null && promotion.Category is not null)
            body.Fail("sku", "give a sku or a category, not both");
        if (promotion.CustomerId is not null && promotion.Coupon is null)
            body.Fail("customerId", "restricts a coupon to one customer: give the coupon too");
        else if (promotion.CustomerId is not null && await customers.GetAsync(promotion.CustomerId, cancellationToken) is null)
            body.Fail("customerId", $"'{promotion.CustomerId}' is not a customer");
        if (promotion.Coupon is not null && (await store.PromotionsAsync(cancellationToken)).Any(p => string.Equals(p.Coupon, promotion.Coupon, StringComparison.OrdinalIgnoreCase)))
            body.Fail("coupon", "is used by another promotion");
        if (body.Errors.Count > 0)
            return TypedResults.ValidationProblem(body.Errors);
        try
        {
            return TypedResults.Created($"/api/promotions/{promotion.Id}", await store.CreatePromotionAsync(promotion, cancellationToken));
        }
        catch (DocumentConflictException)
        {
            return Preconditions.Conflict("Promotion exists", $"A promotion with id '{promotion.Id}' exists already.");
        }
    }
}
