using System.Text.Json.Serialization;
using Commerce.Analytics.Features;
using Commerce.Intelligence.Churn;

namespace Commerce.Retention.Risk;

[JsonConverter(typeof(JsonStringEnumConverter<RiskBand>))]
public enum RiskBand
{
    [JsonStringEnumMemberName("low")] Low,
    [JsonStringEnumMemberName("medium")] Medium,
    [JsonStringEnumMemberName("high")] High,
}

/// <summary>Where a churn probability becomes a band: at or above <see cref="Medium"/> medium, at or above <see cref="High"/> high.</summary>
public sealed record RiskBands(double Medium = 0.4, double High = 0.7)
{
    public RiskBand Of(double probability) => probability >= High ? RiskBand.High : probability >= Medium ? RiskBand.Medium : RiskBand.Low;
}

/// <summary>A customer's churn risk as the live model last scored it, with the segment and stage they were in then.</summary>
public sealed record ChurnRisk(string CustomerId, double Probability, RiskBand Band, IReadOnlyList<ChurnReason> Reasons, string ModelVersion, DateTimeOffset ScoredAt)
{
    public RfmSegment Segment { get; init; }
    public LifecycleStage Stage { get; init; }
}

/// <summary>How many customers of one RFM segment fall in each risk band, and their mean churn probability.</summary>
public sealed record SegmentRisk(RfmSegment Segment, string Name, int Customers, int Low, int Medium, int High, double MeanProbability);

/// <summary>The segment view of one scoring: which model version scored whom, when, and the risk of every segment.</summary>
public sealed record RiskSummary(string ModelVersion, DateTimeOffset ScoredAt, int Customers, IReadOnlyList<SegmentRisk> Segments)
{
    public static RiskSummary Of(string version, DateTimeOffset at, IReadOnlyList<ChurnRisk> risks) => new(version, at, risks.Count,
        risks.GroupBy(r => r.Segment).OrderBy(g => g.Key).Select(g => new SegmentRisk(g.Key, RfmSegments.DisplayName(g.Key), g.Count(),
            g.Count(r => r.Band == RiskBand.Low), g.Count(r => r.Band == RiskBand.Medium), g.Count(r => r.Band == RiskBand.High),
            Math.Round(g.Average(r => r.Probability), 4))).ToList());
}
