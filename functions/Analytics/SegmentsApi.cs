using System.ComponentModel;
using Commerce.Analytics.Features;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Retention.Risk;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Analytics;

/// <param name="Value">the segment's net spend (monetary) in all.</param>
/// <param name="Risk">the churn risk of the customers scored in this segment; null when none was.</param>
public sealed record SegmentSizeAndRisk(
    RfmSegment Segment,
    string Name,
    int Customers,
    double Share,
    decimal Value,
    [property: Description("Churn risk of the customers who were in this segment when the live model last scored them: how many in each band and their mean probability. Null when none was scored.")]
    SegmentRisk? Risk);

/// <summary>Which scoring the segments' risk comes from: the model version, when it scored, and how many active customers.</summary>
public sealed record RiskScoring(string ModelVersion, DateTimeOffset ScoredAt, int Customers);

/// <summary>Segment sizes, value and movement (as of the dates asked), each segment with its customers' current churn risk.</summary>
public sealed record SegmentView(
    DateTime From,
    DateTime To,
    string Currency,
    int Customers,
    IReadOnlyList<SegmentSizeAndRisk> Segments,
    IReadOnlyList<SegmentMove> Movement,
    [property: Description("The churn scoring the segments' risk comes from; null before the first.")]
    RiskScoring? Risk)
{
    public static SegmentView Of(SegmentReport report, RiskSummary? risk)
    {
        var bySegment = risk?.Segments.ToDictionary(s => s.Segment) ?? [];
        return new SegmentView(report.From, report.To, report.Currency, report.Customers,
            [.. report.Segments.Select(s => new SegmentSizeAndRisk(s.Segment, s.Name, s.Customers, s.Share, s.Value, bySegment.GetValueOrDefault(s.Segment)))],
            report.Movement,
            risk is null ? null : new RiskScoring(risk.ModelVersion, risk.ScoredAt, risk.Customers));
    }
}

/// <summary>RFM segments over time, with their churn risk, for the back office.</summary>
public static class SegmentsApi
{
    public static FunctionCatalog MapSegmentsApi(this FunctionCatalog functions)
    {
        functions.AddHttp("GetSegments", "analytics/segments", ["GET"], GetSegments, configure: e => e
            .RequireAdmin()
            .WithSummary("RFM segment sizes and value as of 'to' (default now), and how customers moved between segments since 'from' (default 30 days before 'to'). Dates are UTC, yyyy-MM-dd or ISO 8601.")
            .WithDescription("Each segment also carries the churn risk of its customers as the live model last scored them (customers per band, mean probability), whatever the dates; 'risk' names that scoring, and is null before the first."));
        return functions;
    }

    public static async Task<Results<Ok<SegmentView>, ValidationProblem>> GetSegments(string? from, string? to, SegmentAnalysis analysis, ChurnRiskStore risks, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var end = AnalyticsQuery.Date(to, "to", errors) ?? time.GetUtcNow().UtcDateTime;
        var start = AnalyticsQuery.Date(from, "from", errors) ?? end.AddDays(-30);
        if (errors.Count == 0 && start >= end)
            errors["from"] = ["must be before 'to'"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(SegmentView.Of(await analysis.CompareAsync(start, end, cancellationToken), await risks.SummaryAsync(cancellationToken)));
    }
}
