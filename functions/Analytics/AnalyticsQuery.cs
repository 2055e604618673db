using System.Globalization;
using System.Text.Json;
using Commerce.Analytics.Features;
using Commerce.Analytics.Kpis;
using Commerce.Catalog.Customers;

namespace Commerce.Functions.Analytics;

/// <summary>The query parameters the analytics routes share: dates, a window, a segment and a customer type, each with its field error.</summary>
public static class AnalyticsQuery
{
    public static DateTime? Date(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (text is null)
            return null;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            && parsed.Year is >= 1990 and <= 2200)
            return parsed.UtcDateTime;
        errors[field] = ["must be a date (yyyy-MM-dd) or an ISO 8601 date and time"];
        return null;
    }

    /// <summary>One of an enum's names, in any case (numbers are refused); null when not given.</summary>
    public static TEnum? Choice<TEnum>(string? text, string field, Dictionary<string, string[]> errors) where TEnum : struct, Enum
    {
        if (text is null)
            return null;
        if (Enum.TryParse<TEnum>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(text, out _))
            return parsed;
        errors[field] = [$"must be one of {string.Join(", ", Enum.GetNames<TEnum>().Select(JsonNamingPolicy.CamelCase.ConvertName))}"];
        return null;
    }

    /// <summary>
    /// The window [from, to): `to` defaults to the day after the last completed order in the lake (now when there is none),
    /// `from` to <paramref name="defaultDays"/> days before `to`; a segment name and a customer type (consumer, business) narrow the customers.
    /// </summary>
    public static async Task<KpiFilter?> FilterAsync(string? from, string? to, string? segment, string? customerType, int defaultDays,
        ShopKpis kpis, TimeProvider time, Dictionary<string, string[]> errors, CancellationToken cancellationToken)
    {
        var end = Date(to, "to", errors);
        var start = Date(from, "from", errors);
        var segmentValue = Choice<RfmSegment>(segment, "segment", errors);
        var kind = Choice<CustomerKind>(customerType, "customerType", errors);
        if (errors.Count > 0)
            return null;
        var last = end ?? await kpis.DataEndAsync(cancellationToken) ?? time.GetUtcNow().UtcDateTime;
        var first = start ?? last.AddDays(-defaultDays);
        if (first >= last)
        {
            errors["from"] = ["must be before 'to'"];
            return null;
        }
        return new KpiFilter(first, last, segmentValue, kind);
    }
}
