namespace Commerce.Orders.Risk;

/// <summary>Limits for the checkout risk check; the defaults let a normal buyer place a dozen orders an hour.</summary>
public sealed record RiskSettings
{
    /// <summary>
    /// The largest order total allowed in each ISO currency; orders above it, or in a currency without one, are
    /// denied for manual handling.
    /// </summary>
    public IReadOnlyDictionary<string, decimal> MaxOrderTotals { get; init; } = DefaultMaxOrderTotals;

    public static readonly IReadOnlyDictionary<string, decimal> DefaultMaxOrderTotals = new Dictionary<string, decimal>(StringComparer.Ordinal)
    {
        ["EUR"] = 25_000m, ["GBP"] = 25_000m, ["USD"] = 25_000m,
    };

    /// <summary>Orders one customer may place within <see cref="VelocityWindow"/>, the one being checked included.</summary>
    public int MaxOrdersPerWindow { get; init; } = 30;

    public TimeSpan VelocityWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Customers (token subjects) whose orders are always denied.</summary>
    public IReadOnlySet<string> DeniedCustomers { get; init; } = new HashSet<string>();
}

public sealed record RiskDecision(bool Approved, string? Reason)
{
    public static RiskDecision Approve { get; } = new(true, null);
}

/// <summary>The one place that decides whether an order may proceed to payment.</summary>
public static class RiskRules
{
    /// <param name="ordersInWindow">orders the customer placed within the velocity window, this one included.</param>
    public static RiskDecision Assess(RiskSettings settings, string customerId, decimal total, string currency, int ordersInWindow)
    {
        if (settings.DeniedCustomers.Contains(customerId))
            return new RiskDecision(false, "the customer is on the deny list");
        if (!settings.MaxOrderTotals.TryGetValue(currency, out var limit))
            return new RiskDecision(false, $"no order total limit is set for {currency}");
        if (total > limit)
            return new RiskDecision(false, $"the total {total} {currency} is above the limit of {limit} {currency}");
        if (ordersInWindow > settings.MaxOrdersPerWindow)
            return new RiskDecision(false, $"{ordersInWindow} orders within {settings.VelocityWindow}, more than the {settings.MaxOrdersPerWindow} allowed");
        return RiskDecision.Approve;
    }
}
