using System.Security.Claims;
using Commerce.Catalog.Products;
using Commerce.Experiments.Bandits;
using Commerce.Functions.Catalog;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Intelligence.Recommendations;
using Commerce.Intelligence.Recommendations.Serving;
using Commerce.Orders.Cart;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Recommendations;

/// <summary>Personalised lists for the shop's slots; anonymous visitors get popular and trending items, or items like the product they look at.</summary>
public static class RecommendationsApi
{
    /// <summary>The strategies a slot's bandit may choose between, by the names lists and events carry.</summary>
    public static readonly IReadOnlyDictionary<string, RecommendationStrategy> Strategies = new Dictionary<string, RecommendationStrategy>(StringComparer.Ordinal)
    {
        ["ranker"] = RecommendationStrategy.Ranker,
        ["reorder-first"] = RecommendationStrategy.ReorderFirst,
        ["popular"] = RecommendationStrategy.Popular,
    };

    public static FunctionCatalog MapRecommendationsApi(this FunctionCatalog functions)
    {
        functions.AddHttp("GetRecommendations", "recommendations", ["GET"], GetRecommendations,
            configure: e => e.AllowAnonymous().WithSummary("Recommended products for a slot (home, product, cart, checkout, reorder; product needs sku), limit 1-50, for the signed-in buyer or anonymously; each item has the product's public fields, a score, structured reasons and one sentence. A signed-in buyer's list names the strategy that made it (experiment, variant): send both back on its recommendation_shown and recommendation_clicked events."));
        return functions;
    }

    public static async Task<Results<Ok<RecommendationsView>, ValidationProblem>> GetRecommendations(
        string? slot, string? sku, int? limit, ClaimsPrincipal user, RecommendationService recommendations, CartService carts, StrategyBandit bandit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var chosen = RecommendationSlot.Home;
        if (slot is not null && (!Enum.TryParse(slot, ignoreCase: true, out chosen) || !Enum.IsDefined(chosen) || char.IsAsciiDigit(slot[0])))
            errors["slot"] = ["must be one of home, product, cart, checkout, reorder"];
        if (chosen == RecommendationSlot.Product && string.IsNullOrEmpty(sku))
            errors["sku"] = ["is required on the product slot"];
        else if (sku is not null && !Skus.IsValid(sku))
            errors["sku"] = ["must be 1-64 letters, digits, '.', '_' or '-'"];
        if (limit is < 1 or > RecommendationSettings.MaxLimit)
            errors["limit"] = [$"must be from 1 to {RecommendationSettings.MaxLimit}"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        var customer = user.SubjectId();
        IReadOnlyList<string> cart = customer is not null && chosen is RecommendationSlot.Cart or RecommendationSlot.Checkout
            ? (await carts.GetAsync(customer, cancellationToken)).Lines.Select(l => l.Sku).ToList()
            : [];
        // Strategies differ only for a known buyer, and the reorder slot has one way to be filled.
        var strategy = customer is not null && chosen != RecommendationSlot.Reorder ? bandit.Choose(chosen.ToString().ToLowerInvariant()) : null;
        var list = await recommendations.RecommendAsync(new RecommendationQuery(chosen, customer, sku, limit ?? RecommendationSettings.DefaultLimit, cart,
            strategy is null ? RecommendationStrategy.Ranker : Strategies[strategy]), cancellationToken);
        return TypedResults.Ok(new RecommendationsView(list.Slot, list.ModelVersion, list.Personalised,
            list.Items.Select(i => new RecommendationView(ProductView.From(i.Product, withCost: false), i.Score, i.Reasons, i.Explanation)).ToList(),
            strategy is null ? null : StrategyBandit.Experiment, strategy));
    }
}

public sealed record RecommendationView(ProductView Product, double Score, IReadOnlyList<RecommendationReason> Reasons, string Explanation);

/// <param name="ModelVersion">the model version that made the list; null before any model was trained.</param>
/// <param name="Personalised">the buyer is known to the model (else the list is popular and trending items).</param>
/// <param name="Experiment">with <paramref name="Variant"/>, the strategy that made the list (signed-in buyers): the client sends both back on the list's events.</param>
public sealed record RecommendationsView(string Slot, string? ModelVersion, bool Personalised, IReadOnlyList<RecommendationView> Items, string? Experiment, string? Variant);
