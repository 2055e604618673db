using System.Text.Json.Serialization;
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

/// <summary>A customer's churn risk as the live model last scored it.</summary>
public sealed record ChurnRisk(string CustomerId, double Probability, RiskBand Band, IReadOnlyList<ChurnReason> Reasons, string ModelVersion, DateTimeOffset ScoredAt);
