using Commerce.Analytics.Features;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Analytics;

/// <summary>RFM segments over time, for the back office.</summary>
public static class SegmentsApi
{
    public static FunctionCatalog MapSegmentsApi(this FunctionCatalog functions)
    {
        functions.AddHttp("GetSegments", "analytics/segments", ["GET"], GetSegments, configure: e => e
            .RequireAdmin()
            .WithSummary("RFM segment sizes and value as of 'to' (default now), and how customers moved between segments since 'from' (default 30 days before 'to'). Dates are UTC, yyyy-MM-dd or ISO 8601."));
        return functions;
    }

    public static async Task<Results<Ok<SegmentReport>, ValidationProblem>> GetSegments(string? from, string? to, SegmentAnalysis analysis, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var end = AnalyticsQuery.Date(to, "to", errors) ?? time.GetUtcNow().UtcDateTime;
        var start = AnalyticsQuery.Date(from, "from", errors) ?? end.AddDays(-30);
        if (errors.Count == 0 && start >= end)
            errors["from"] = ["must be before 'to'"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await analysis.CompareAsync(start, end, cancellationToken));
    }
}
