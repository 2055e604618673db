using System.Text.Json.Serialization;
using Commerce.Retention.Audience;
using Commerce.Retention.Interventions;

namespace Commerce.Retention.Campaigns;

[JsonConverter(typeof(JsonStringEnumConverter<CampaignStatus>))]
public enum CampaignStatus
{
    [JsonStringEnumMemberName("selecting")] Selecting,
    [JsonStringEnumMemberName("treating")] Treating,
    [JsonStringEnumMemberName("measuring")] Measuring,
    [JsonStringEnumMemberName("completed")] Completed,
    [JsonStringEnumMemberName("failed")] Failed,
}

[JsonConverter(typeof(JsonStringEnumConverter<CampaignGroup>))]
public enum CampaignGroup
{
    [JsonStringEnumMemberName("treated")] Treated,
    [JsonStringEnumMemberName("control")] Control,
}

/// <summary>
/// A retention campaign: the rules version it runs with, its holdout share and measurement window, what it did
/// and, once measured, its results. <see cref="CodeSalt"/> keeps its offer codes unguessable yet the same on every
/// retry.
/// </summary>
public sealed record Campaign
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required int RulesVersion { get; init; }
    public required double HoldoutShare { get; init; }
    public required TimeSpan MeasurementWindow { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required string StartedBy { get; init; }
    public required string CodeSalt { get; init; }
    public CampaignStatus Status { get; init; } = CampaignStatus.Selecting;
    public CampaignAudience? Audience { get; init; }
    /// <summary>The measurement window: from the end of the treatment, for <see cref="MeasurementWindow"/>.</summary>
    public DateTimeOffset? MeasureFrom { get; init; }
    public DateTimeOffset? MeasureAt { get; init; }
    public CampaignResults? Results { get; init; }
    public string? Failure { get; init; }
}

/// <summary>Who the campaign reached: everyone a rule matched, split into treated and control, and by action.</summary>
public sealed record CampaignAudience(DateTimeOffset AsOf, int Customers, int Treated, int Control, int Batches, IReadOnlyDictionary<string, int> ByAction);

/// <summary>
/// One customer of a campaign: their group, the rule and action that chose them, and what was done (the offer code,
/// the message, the staff task). <see cref="Batch"/> is which treatment call handles them.
/// </summary>
public sealed record CampaignMember
{
    public required string CampaignId { get; init; }
    public required string CustomerId { get; init; }
    public required CampaignGroup Group { get; init; }
    public required string RuleId { get; init; }
    public required InterventionAction Action { get; init; }

    /// <summary>The customer as the rules saw them when the audience was selected.</summary>
    public required CustomerSnapshot Snapshot { get; init; }

    public required int Batch { get; init; }
    public string? Code { get; init; }
    public string? NotificationId { get; init; }
    public string? TaskId { get; init; }
    public DateTimeOffset? TreatedAt { get; init; }
}

/// <summary>A difference of rates (treated minus control) with its 95% confidence interval.</summary>
public sealed record Uplift(double Estimate, double Low, double High)
{
    public bool Significant => Low > 0 || High < 0;
}

/// <summary>What one group did within the measurement window.</summary>
/// <param name="Repurchased">customers with at least one order in the window.</param>
/// <param name="Retained">customers still buying at its end: an order in the window's second half.</param>
public sealed record GroupOutcome(int Customers, int Repurchased, int Retained, decimal Revenue, decimal Margin, double RepurchaseRate, double RetentionRate, decimal RevenuePerCustomer);

/// <summary>
/// The campaign's effect against its holdout, and its unit economics: coupon cost is what the redeemed codes took off
/// the orders; incremental margin is the treated group's margin per customer above the control's, times the treated
/// customers, with the orders' margins taken after their discounts, so the coupon cost is already in it (and not taken
/// off again). Positive means the offers paid for themselves. Repurchase and retention count orders in every currency;
/// revenue, margin, codes redeemed and coupon cost count only orders in <see cref="Currency"/> (<c>Retention:Currency</c>).
/// </summary>
public sealed record CampaignResults(
    DateTimeOffset From,
    DateTimeOffset To,
    GroupOutcome Treated,
    GroupOutcome Control,
    Uplift RepurchaseUplift,
    Uplift RetentionUplift,
    int CodesRedeemed,
    decimal CouponCost,
    decimal IncrementalRevenue,
    decimal IncrementalMargin,
    string Currency)
{
    public bool PaidForItself => IncrementalMargin > 0;

    /// <summary>
    /// The 95% interval of <see cref="IncrementalRevenue"/> (Welch's, on revenue per customer, times the treated
    /// customers): a few large accounts move a difference of means a long way, and this shows how far chance alone
    /// could. Null when either group has fewer than two customers or nobody bought.
    /// </summary>
    public MoneyInterval? IncrementalRevenueInterval { get; init; }

    /// <summary>The 95% interval of <see cref="IncrementalMargin"/>, the same way: the offers surely paid when its low end is above zero.</summary>
    public MoneyInterval? IncrementalMarginInterval { get; init; }
}

public sealed record MoneyInterval(decimal Low, decimal High);
