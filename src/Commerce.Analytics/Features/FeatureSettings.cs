namespace Commerce.Analytics.Features;

/// <summary>The knobs of the customer features; bound from the Retention:* settings.</summary>
public sealed record FeatureSettings
{
    /// <summary>The shop's currency: monetary features are sums in it.</summary>
    public string Currency { get; init; } = "GBP";

    /// <summary>Purchase trend compares spend in the last window with the window before it.</summary>
    public int TrendWindowDays { get; init; } = 90;

    /// <summary>Behaviour counts (views, searches, cart adds, recommendation clicks) cover this many days.</summary>
    public int ActivityWindowDays { get; init; } = 30;

    /// <summary>An interest signal loses half its weight in this many days.</summary>
    public double InterestHalfLifeDays { get; init; } = 90;

    public int TopInterests { get; init; } = 5;

    public LifecycleThresholds Lifecycle { get; init; } = new();

    public TierThresholds Tiers { get; init; } = new();
}

/// <summary>Lifecycle stages against the customer's own rhythm: recency compared with their usual gap between orders.</summary>
public sealed record LifecycleThresholds
{
    /// <summary>A customer whose first order is at most this many days old is new.</summary>
    public int NewDays { get; init; } = 30;

    /// <summary>At risk once recency exceeds this many usual gaps.</summary>
    public double AtRiskRatio { get; init; } = 1.5;

    /// <summary>Lapsed once recency exceeds this many usual gaps; a last gap this long makes a returning customer reactivated.</summary>
    public double LapsedRatio { get; init; } = 3;

    /// <summary>The usual gap is never taken below this (two orders in one week say little about a rhythm).</summary>
    public double MinGapDays { get; init; } = 7;
}

/// <summary>Membership tiers from net spend over the trailing window, in the shop's currency.</summary>
public sealed record TierThresholds
{
    public int WindowDays { get; init; } = 365;
    public decimal Silver { get; init; } = 500m;
    public decimal Gold { get; init; } = 2_000m;
    public decimal Platinum { get; init; } = 10_000m;
}
