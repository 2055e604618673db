using System.Globalization;
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
        var end = Date(to, "to", errors) ?? time.GetUtcNow().UtcDateTime;
        var start = Date(from, "from", errors) ?? end.AddDays(-30);
        if (errors.Count == 0 && start >= end)
            errors["from"] = ["must be before 'to'"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await analysis.CompareAsync(start, end, cancellationToken));
    }

    private static DateTime? Date(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (text is null)
            return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            && parsed.Year is >= 1990 and <= 2200)
            return parsed.UtcDateTime;
        errors[field] = ["must be a date (yyyy-MM-dd) or an ISO 8601 date and time"];
        return null;
    }
}
