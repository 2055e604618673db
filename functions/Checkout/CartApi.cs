using System.Security.Claims;
using Commerce.Catalog.Pricing;
using Commerce.Functions.Http;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Orders.Cart;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Checkout;

/// <summary>The signed-in customer's cart, priced afresh by the one pricing function every time it is shown.</summary>
public static class CartApi
{
    public static FunctionCatalog MapCartApi(this FunctionCatalog functions)
    {
        functions.AddHttp("GetCart", "cart", ["GET"], GetCart,
            configure: e => e.RequireCustomer().WithSummary("Your cart with current prices (your price list, tiers, promotions) and totals."));
        functions.AddHttp("SetCartItem", "cart/items/{sku}", ["PUT"], SetItem,
            configure: e => e.RequireCustomer().WithSummary("Puts N units of a product in your cart (body {\"quantity\":N})."));
        functions.AddHttp("RemoveCartItem", "cart/items/{sku}", ["DELETE"], RemoveItem,
            configure: e => e.RequireCustomer().WithSummary("Takes a product out of your cart."));
        functions.AddHttp("ClearCart", "cart", ["DELETE"], Clear,
            configure: e => e.RequireCustomer().WithSummary("Empties your cart."));
        return functions;
    }

    public static async Task<Ok<CartView>> GetCart(ClaimsPrincipal user, CartService carts, PricingService pricing, CancellationToken cancellationToken) =>
        TypedResults.Ok(await PriceAsync(await carts.GetAsync(user.SubjectId()!, cancellationToken), pricing, cancellationToken));

    public static async Task<Results<Ok<CartView>, NotFound, ValidationProblem>> SetItem(string sku, HttpRequest request, ClaimsPrincipal user, CartService carts, PricingService pricing, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(request);
        var quantity = body.Int("quantity", required: true);
        if (quantity is { } asked && CartLine.QuantityProblem(asked) is { } problem)
            body.Fail("quantity", asked < 1 ? $"{problem}; DELETE the item to remove it" : problem);
        if (body.Errors.Count > 0)
            return TypedResults.ValidationProblem(body.Errors);
        var customer = user.SubjectId()!;
        var quote = await pricing.QuoteAsync(new QuoteRequest(sku, quantity!.Value, customer), cancellationToken);
        if (quote.UnknownSku)
            return TypedResults.NotFound();
        if (quote.Quote!.Problems.Count > 0)
            return TypedResults.ValidationProblem(quote.Quote.Problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()));
        var cart = await carts.SetLineAsync(customer, quote.Quote.Sku, quantity.Value, cancellationToken);
        return TypedResults.Ok(await PriceAsync(cart, pricing, cancellationToken));
    }

    public static async Task<Ok<CartView>> RemoveItem(string sku, ClaimsPrincipal user, CartService carts, PricingService pricing, CancellationToken cancellationToken) =>
        TypedResults.Ok(await PriceAsync(await carts.RemoveLineAsync(user.SubjectId()!, sku, cancellationToken), pricing, cancellationToken));

    public static async Task<NoContent> Clear(ClaimsPrincipal user, CartService carts, CancellationToken cancellationToken)
    {
        await carts.ClearAsync(user.SubjectId()!, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<CartView> PriceAsync(Cart cart, PricingService pricing, CancellationToken cancellationToken)
    {
        var quotes = await pricing.QuoteLinesAsync(cart.CustomerId, null, null, cart.Lines.Select(l => (l.Sku, l.Quantity)).ToList(), cancellationToken);
        var mixed = CartCurrencies.MixedLines(cart.Lines.Zip(quotes, (line, quote) => (line.Sku, quote.Quote?.Currency)).ToList());
        var lines = cart.Lines.Select((line, i) =>
        {
            var quote = quotes[i];
            List<string> problems = quote.UnknownSku ? ["no longer sold"] : quote.Quote!.Problems.Select(p => p.Message).ToList();
            if (mixed.TryGetValue(i, out var currencyProblem))
                problems.Add(currencyProblem);
            return new CartLineView(line.Sku, line.Quantity, quote.Quote?.UnitPrice, quote.Quote?.Total, quote.Quote?.Currency, quote.Quote?.AppliedRules ?? [], problems);
        }).ToList();
        var totals = lines.Where(l => l.Currency is not null).GroupBy(l => l.Currency!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(l => l.Total ?? 0), StringComparer.Ordinal);
        // Amounts in different currencies are never added up.
        var (total, currency) = totals.Count switch
        {
            0 => (0m, null),
            1 => (totals.Single().Value, totals.Single().Key),
            _ => ((decimal?)null, (string?)null),
        };
        return new CartView(lines, total, currency, totals, cart.UpdatedAt);
    }
}

public sealed record CartLineView(string Sku, int Quantity, decimal? UnitPrice, decimal? Total, string? Currency, IReadOnlyList<AppliedRule> AppliedRules, IReadOnlyList<string> Problems);

/// <param name="Total">the cart's total when its lines are in one currency (<paramref name="Currency"/>); null when they are in several.</param>
/// <param name="Totals">the total of each currency's lines.</param>
public sealed record CartView(IReadOnlyList<CartLineView> Lines, decimal? Total, string? Currency, IReadOnlyDictionary<string, decimal> Totals, DateTimeOffset UpdatedAt);
