namespace Commerce.Retention;

/// <summary>How retention campaigns run; bound from the Campaigns:* settings.</summary>
public sealed record CampaignSettings
{
    /// <summary>The share of a campaign's audience held out as the control group.</summary>
    public double HoldoutShare { get; init; } = 0.10;

    /// <summary>How long after the messages the campaign's effect is measured.</summary>
    public TimeSpan MeasurementWindow { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Customers treated (offer made, message sent) per second at most.</summary>
    public int MessagesPerSecond { get; init; } = 20;

    /// <summary>Customers treated by one activity call.</summary>
    public int BatchSize { get; init; } = 25;

    /// <summary>Treatment calls in flight at once.</summary>
    public int ParallelBatches { get; init; } = 4;

    /// <summary>Order history the audience's features are computed from.</summary>
    public int HistoryDays { get; init; } = 730;

    /// <summary>Gross margin on revenue where a product's cost is unknown.</summary>
    public decimal DefaultMarginRate { get; init; } = 0.35m;

    /// <summary>A credit offer proposes a limit of this many months of the account's average monthly spend.</summary>
    public decimal CreditLimitMonths { get; init; } = 2m;

    /// <summary>Days to pay a net-terms offer proposes to an account without terms.</summary>
    public int NetTermsDays { get; init; } = 30;

    /// <summary>The longest terms an admin may approve on an offer.</summary>
    public int MaxNetTermsDays { get; init; } = 90;
}
