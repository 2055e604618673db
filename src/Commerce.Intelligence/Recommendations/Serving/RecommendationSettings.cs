namespace Commerce.Intelligence.Recommendations.Serving;

/// <summary>The Recommendations:* settings, validated at start-up.</summary>
public sealed record RecommendationSettings
{
    /// <summary>Six-field NCRONTAB schedule of the training timer (nightly at 02:30 by default).</summary>
    public string TrainingSchedule { get; init; } = "0 30 2 * * *";

    /// <summary>The most recent days of history held out to evaluate each new model (and the live one) on.</summary>
    public int HoldoutDays { get; init; } = 28;

    /// <summary>How far back training reads the order history.</summary>
    public int HistoryDays { get; init; } = 730;

    /// <summary>Lowest margin (price - cost) / price an item may have to be recommended; items without a cost pass.</summary>
    public decimal MarginFloor { get; init; } = 0.10m;

    /// <summary>At most this many items of one category in one list.</summary>
    public int MaxPerCategory { get; init; } = 3;

    /// <summary>Something the buyer bought within this many days is not recommended again unless it is due for reorder.</summary>
    public int RecentPurchaseDays { get; init; } = 60;

    /// <summary>An item is due for reorder once this fraction of the buyer's usual interval has passed since their last order of it.</summary>
    public double ReorderDueFraction { get; init; } = 0.8;

    /// <summary>How often serving instances look for a newly promoted model.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a buyer's orders since the model was trained are served from memory. Orders placed, cancelled or
    /// declined through this instance take effect at once; this bounds how late one made on another instance is seen.
    /// </summary>
    public TimeSpan RecentPurchasesFreshness { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>At most this many buyers' recent orders are kept in memory.</summary>
    public int RecentPurchasesBuyers { get; init; } = 100_000;

    public const int DefaultLimit = 10;
    public const int MaxLimit = 50;
}
