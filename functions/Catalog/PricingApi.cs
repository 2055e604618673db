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

    public static async Task<Results<Created<Promotion>, ValidationProblem, ProblemHttpResult>> CreatePromotion(
        CreatePromotionRequest request, PricingStore store, CustomerService customers, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        void Fail(string field, string message) => errors[field] = [.. errors.GetValueOrDefault(field, []), message];
        var promotion = new Promotion
        {
            Id = request.Id ?? Guid.NewGuid().ToString("N")[..12],
            Name = request.Name ?? "",
            Kind = PromotionKind.PercentOff,
            Value = request.Value ?? 0,
            Currency = request.Currency?.ToUpperInvariant(),
            Sku = request.Sku,
            Category = request.Category,
            ValidFrom = Time(request.ValidFrom, "validFrom"),
            ValidTo = Time(request.ValidTo, "validTo"),
            Coupon = request.Coupon,
            UsageLimit = request.UsageLimit,
            Stackable = request.Stackable ?? false,
            MembershipTiers = [],
            CustomerId = request.CustomerId,
        };
        if (string.IsNullOrWhiteSpace(promotion.Name))
            Fail("name", "is required");
        if (request.Kind is null)
            Fail("kind", "is required");
        else if (EnumNames.TryParse<PromotionKind>(request.Kind, out var kind))
            promotion = promotion with { Kind = kind };
        else
            Fail("kind", $"must be one of {EnumNames.List<PromotionKind>()}");
        if (request.Value is null)
            Fail("value", "is required");
        var tiers = new List<MembershipTier>();
        foreach (var tier in request.MembershipTiers ?? [])
        {
            if (tier is not null && EnumNames.TryParse<MembershipTier>(tier, out var parsed))
                tiers.Add(parsed);
            else
                Fail("membershipTiers", $"'{tier}' is not one of {EnumNames.List<MembershipTier>()}");
        }
        promotion = promotion with { MembershipTiers = tiers };
        foreach (var (field, text, max) in new[] { ("id", request.Id, 64), ("name", request.Name, 100), ("currency", request.Currency, 3), ("sku", request.Sku, 64), ("category", request.Category, 64), ("coupon", request.Coupon, 40), ("customerId", request.CustomerId, 255) })
        {
            if (text?.Length > max)
                Fail(field, $"must be at most {max} characters");
        }

        if (promotion.MembershipTiers.Contains(MembershipTier.None))
            Fail("membershipTiers", "'none' is no membership tier; use silver, gold or platinum");
        if (promotion.Value <= 0 || (promotion.Kind == PromotionKind.PercentOff && promotion.Value > 100))
            Fail("value", promotion.Kind == PromotionKind.PercentOff ? "must be between 0 and 100" : "must be more than zero");
        if (promotion.Kind == PromotionKind.AmountOff && !Currencies.IsKnown(promotion.Currency))
            Fail("currency", promotion.Currency is null ? "is required: an amount off is in one currency and applies only to prices in it" : $"'{promotion.Currency}' is not a currency this shop accepts");
        if (promotion.Kind == PromotionKind.PercentOff && promotion.Currency is not null)
            Fail("currency", "is for an amount off; a percentage applies in every currency");
        if (promotion.ValidFrom >= promotion.ValidTo)
            Fail("validTo", "must be after validFrom");
        if (promotion.UsageLimit < 1)
            Fail("usageLimit", "must be at least 1");
        if (promotion.Sku is not null && promotion.Category is not null)
            Fail("sku", "give a sku or a category, not both");
        if (promotion.CustomerId is not null && promotion.Coupon is null)
            Fail("customerId", "restricts a coupon to one customer: give the coupon too");
        else if (promotion.CustomerId is not null && await customers.GetAsync(promotion.CustomerId, cancellationToken) is null)
            Fail("customerId", $"'{promotion.CustomerId}' is not a customer");
        if (promotion.Coupon is not null && (await store.PromotionsAsync(cancellationToken)).Any(p => string.Equals(p.Coupon, promotion.Coupon, StringComparison.OrdinalIgnoreCase)))
            Fail("coupon", "is used by another promotion");
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        try
        {
            return TypedResults.Created($"/api/promotions/{promotion.Id}", await store.CreatePromotionAsync(promotion, cancellationToken));
        }
        catch (DocumentConflictException)
        {
            return Preconditions.Conflict("Promotion exists", $"A promotion with id '{promotion.Id}' exists already.");
        }

        DateTimeOffset? Time(string? text, string field)
        {
            if (text is null)
                return null;
            if (JsonBody.TryParseTime(text, out var time))
                return time;
            Fail(field, JsonBody.TimeProblem);
            return null;
        }
    }
}

/// <summary>A promotion as an admin writes it; names as the API spells them.</summary>
/// <param name="Id">1-64 characters; generated when left out.</param>
/// <param name="Kind">percentOff or amountOff.</param>
/// <param name="Value">percent (0-100) for percentOff; the amount off each unit, in <paramref name="Currency"/>, for amountOff.</param>
/// <param name="Currency">the ISO currency of an amount off; it applies only to prices in it.</param>
/// <param name="ValidFrom">ISO 8601; without an offset, UTC.</param>
/// <param name="ValidTo">ISO 8601; without an offset, UTC.</param>
/// <param name="Coupon">the code a quote or checkout must name; at most 40 characters, unique.</param>
/// <param name="UsageLimit">how many orders may use the coupon.</param>
/// <param name="MembershipTiers">silver, gold or platinum: only members of these tiers get it.</param>
/// <param name="CustomerId">the one customer who may redeem the coupon; to anyone else it is not a valid coupon.</param>
public sealed record CreatePromotionRequest(
    string? Id, string? Name, string? Kind, decimal? Value, string? Currency, string? Sku, string? Category, string? ValidFrom, string? ValidTo,
    string? Coupon, int? UsageLimit, bool? Stackable, IReadOnlyList<string?>? MembershipTiers, string? CustomerId);
