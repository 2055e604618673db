using Commerce.Analytics.Features;
using Commerce.Catalog.Customers;
using Commerce.Retention.Risk;

namespace Commerce.Retention.Audience;

/// <summary>What the intervention rules look at for one customer, as of one moment.</summary>
/// <param name="Risk">the churn risk band, or null when the customer has not been scored.</param>
public sealed record CustomerSnapshot(
    string CustomerId,
    LifecycleStage Stage,
    RfmSegment Segment,
    RiskBand? Risk,
    CustomerKind Kind,
    MembershipTier Tier,
    decimal TrailingSpend,
    int RecencyDays,
    int Orders)
{
    public static CustomerSnapshot From(CustomerFeatures features, RiskBand? risk) =>
        new(features.CustomerId, features.Stage, features.Segment, risk, features.Kind, features.Tier, features.TrailingSpend, features.RecencyDays, features.Frequency);
}
