using Commerce.Analytics.History;

namespace Commerce.Intelligence.Recommendations;

/// <summary>What a buyer did with an item: bought it, put it in a cart, looked at it.</summary>
public enum InteractionKind
{
    Purchase,
    AddedToCart,
    Viewed,
}

/// <summary>
/// One signal that a user cares about an item, the unit every recall source learns from. Purchases carry
/// their order (<paramref name="Basket"/>, for bought-together) and price; behaviour events carry neither.
/// </summary>
public sealed record Interaction(string UserId, string Sku, InteractionKind Kind, double Weight, DateTime At, string? Basket = null, decimal? UnitPrice = null, string? Country = null);

/// <summary>How much each kind of behaviour counts next to a purchase.</summary>
public sealed record InteractionWeights(double Purchase = 1.0, double AddedToCart = 0.5, double Viewed = 0.2)
{
    public double Of(InteractionKind kind) => kind switch
    {
        InteractionKind.Purchase => Purchase,
        InteractionKind.AddedToCart => AddedToCart,
        _ => Viewed,
    };
}

public static class Interactions
{
    /// <summary>The sales of <paramref name="history"/> (returns left out) as purchase interactions.</summary>
    public static IEnumerable<Interaction> FromSales(PurchaseHistory history, InteractionWeights? weights = null)
    {
        var weight = (weights ?? new InteractionWeights()).Purchase;
        return history.Sales.Select(p => new Interaction(p.CustomerId, p.Sku, InteractionKind.Purchase, weight, p.At, p.OrderId, p.UnitPrice, p.Country));
    }
}
