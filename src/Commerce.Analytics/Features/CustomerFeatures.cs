using Commerce.Catalog.Customers;

namespace Commerce.Analytics.Features;

public enum LifecycleStage
{
    New,
    Active,
    AtRisk,
    Lapsed,
    Reactivated,
}

/// <summary>What the feature builder knows of a customer besides their orders and events.</summary>
public sealed record CustomerProfile(string CustomerId)
{
    public CustomerKind Kind { get; init; } = CustomerKind.Consumer;
    public string? Country { get; init; }
    public string? CompanySize { get; init; }
    public string? Industry { get; init; }

    public static CustomerProfile From(Customer customer) => new(customer.Id)
    {
        Kind = customer.Kind,
        Country = customer.Country,
        CompanySize = customer.CompanySize,
        Industry = customer.Industry,
    };
}

/// <summary>An interest (a category or a word of the item names) and its decayed weight; the weights of a customer add up to 1.</summary>
public sealed record Interest(string Tag, double Weight);

/// <summary>
/// One customer's features as of <see cref="AsOf"/> (UTC), from orders and behaviour events strictly before it.
/// Money is in <see cref="Currency"/>; days are whole days. Training and serving both read these.
/// </summary>
public sealed record CustomerFeatures
{
    public required string CustomerId { get; init; }
    public required DateTime AsOf { get; init; }
    public required string Currency { get; init; }

    /// <summary>Days since the last order.</summary>
    public required int RecencyDays { get; init; }

    /// <summary>Orders placed.</summary>
    public required int Frequency { get; init; }

    /// <summary>Net spend: sales less returns.</summary>
    public required decimal Monetary { get; init; }

    public required int RecencyScore { get; init; }
    public required int FrequencyScore { get; init; }
    public required int MonetaryScore { get; init; }
    public required RfmSegment Segment { get; init; }

    /// <summary>Days since the first order.</summary>
    public required int TenureDays { get; init; }

    /// <summary>Mean days between consecutive orders; null with one order.</summary>
    public double? MeanGapDays { get; init; }

    /// <summary>Days between the last two orders; null with one order.</summary>
    public double? LastGapDays { get; init; }

    /// <summary>The customer's usual gap (their mean, else the population's median), the yardstick of the lifecycle stage.</summary>
    public required double UsualGapDays { get; init; }

    public required decimal RecentSpend { get; init; }
    public required decimal EarlierSpend { get; init; }

    /// <summary>(recent - earlier) / (recent + earlier) over two equal windows: -1 stopped buying, 1 started, 0 steady or nothing.</summary>
    public required double PurchaseTrend { get; init; }

    /// <summary>Sales per order, before returns.</summary>
    public required decimal AverageOrderValue { get; init; }

    /// <summary>Returned amount over sales amount.</summary>
    public required double ReturnsShare { get; init; }

    /// <summary>Share of sales bought below list price (promotion, price list or quantity tier).</summary>
    public required double DiscountShare { get; init; }

    /// <summary>Spend-weighted mean of unit price over the item's median price: below 1 buys cheaper than most.</summary>
    public required double RelativePrice { get; init; }

    public required IReadOnlyList<Interest> Interests { get; init; }

    public required int Views { get; init; }
    public required int Searches { get; init; }
    public required int CartAdds { get; init; }
    public required int RecommendationClicks { get; init; }

    /// <summary>Days since any behaviour event; null when none was seen.</summary>
    public int? DaysSinceLastSeen { get; init; }

    public required LifecycleStage Stage { get; init; }

    /// <summary>Net spend over the tier window before <see cref="AsOf"/>.</summary>
    public required decimal TrailingSpend { get; init; }

    public required MembershipTier Tier { get; init; }

    public CustomerKind Kind { get; init; }
    public string? Country { get; init; }
    public string? CompanySize { get; init; }
    public string? Industry { get; init; }
}
