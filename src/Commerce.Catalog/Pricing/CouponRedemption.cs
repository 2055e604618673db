using System.Text.Json.Serialization;

namespace Commerce.Catalog.Pricing;

[JsonConverter(typeof(JsonStringEnumConverter<RedemptionState>))]
public enum RedemptionState
{
    /// <summary>Recorded; the promotion's count is being changed.</summary>
    [JsonStringEnumMemberName("redeeming")] Redeeming,
    [JsonStringEnumMemberName("redeemed")] Redeemed,
    /// <summary>The coupon was used up (or expired) when the order came.</summary>
    [JsonStringEnumMemberName("refused")] Refused,
    /// <summary>The order was cancelled; its use is being given back.</summary>
    [JsonStringEnumMemberName("returning")] Returning,
    [JsonStringEnumMemberName("returned")] Returned,
}

/// <summary>One order's use of a coupon: a document of its own (partition: the promotion, id: the order).</summary>
public sealed record CouponRedemption(string PromotionId, string OrderId, RedemptionState State, DateTimeOffset UpdatedAt);
