using System.Globalization;

namespace Commerce.Storage.Documents;

/// <summary>
/// Lists documents kept in one partition per UTC day ("yyyy-MM-dd", optionally prefixed), newest day
/// first, without a cross-partition query: it walks the days of a time range and pages within each.
/// The continuation token carries the day and the token within that day.
/// </summary>
public static class DailyPartitions
{
    public static string Key(DateTimeOffset at, string prefix = "") => prefix + at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <param name="query">the query to run within each day; its page size and token are set here.</param>
    /// <param name="keep">a last filter on each document (for conditions the query cannot express).</param>
    /// <exception cref="ArgumentException">the continuation token is not one of these.</exception>
    public static async Task<DocumentPage> QueryAsync(
        IDocumentContainer container,
        DateTimeOffset from,
        DateTimeOffset to,
        DocumentQuery query,
        int pageSize,
        string? continuationToken,
        string prefix = "",
        Func<StoredDocument, bool>? keep = null,
        CancellationToken cancellationToken = default)
    {
        var (day, inner) = Parse(continuationToken, DateOnly.FromDateTime(to.UtcDateTime));
        var firstDay = DateOnly.FromDateTime(from.UtcDateTime);
        var results = new List<StoredDocument>(pageSize);
        for (; day >= firstDay; day = day.AddDays(-1), inner = null)
        {
            do
            {
                var page = await container.QueryAsync(
                    prefix + day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    query with { PageSize = pageSize - results.Count, ContinuationToken = inner },
                    cancellationToken).ConfigureAwait(false);
                results.AddRange(keep is null ? page.Items : page.Items.Where(keep));
                inner = page.ContinuationToken;
                if (results.Count >= pageSize)
                {
                    var next = inner is not null ? Token(day, inner) : day > firstDay ? Token(day.AddDays(-1), null) : null;
                    return new DocumentPage(results, next);
                }
            }
            while (inner is not null);
        }
        return new DocumentPage(results, null);
    }

    private static string Token(DateOnly day, string? inner) => $"{day:yyyy-MM-dd}|{inner}";

    private static (DateOnly Day, string? Inner) Parse(string? token, DateOnly start)
    {
        if (token is null)
            return (start, null);
        var bar = token.IndexOf('|');
        if (bar != 10 || !DateOnly.TryParseExact(token[..bar], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            throw new ArgumentException($"'{token}' is not a continuation token of this listing.", nameof(token));
        return (day, bar + 1 == token.Length ? null : token[(bar + 1)..]);
    }
}
