namespace Commerce.Storage.Documents;

/// <summary>
/// A query both adapters can run: conjunctive filters on fields of the document body, an optional
/// sort field, and continuation-token paging. Paths are dotted property names ("status",
/// "customer.id"); values are strings, numbers, booleans or null.
/// </summary>
public sealed record DocumentQuery
{
    public const int MaxPageSize = 1000;

    public IReadOnlyList<DocumentFilter> Filters { get; init; } = [];
    public string? OrderBy { get; init; }
    public bool Descending { get; init; }
    public int PageSize { get; init; } = 100;
    public string? ContinuationToken { get; init; }

    public static DocumentQuery All { get; } = new();

    public DocumentQuery Where(string path, FilterOperator op, object? value) =>
        this with { Filters = [.. Filters, new DocumentFilter(path, op, value)] };

    public DocumentQuery Where(string path, object? value) => Where(path, FilterOperator.Equal, value);

    internal void Validate()
    {
        if (PageSize is < 1 or > MaxPageSize)
            throw new ArgumentOutOfRangeException(nameof(PageSize), PageSize, $"Page size must be between 1 and {MaxPageSize}.");
        foreach (var filter in Filters)
            DocumentPath.Validate(filter.Path);
        if (OrderBy is not null)
            DocumentPath.Validate(OrderBy);
    }
}

public sealed record DocumentFilter(string Path, FilterOperator Operator, object? Value);

public enum FilterOperator
{
    Equal,
    NotEqual,
    LessThan,
    LessThanOrEqual,
    GreaterThan,
    GreaterThanOrEqual,
    /// <summary>The field is a string that starts with the value.</summary>
    StartsWith,
}

internal static class DocumentPath
{
    public static void Validate(string path)
    {
        if (string.IsNullOrEmpty(path))
            throw new ArgumentException("A document path must not be empty.", nameof(path));
        foreach (var segment in path.Split('.'))
        {
            if (segment.Length == 0 || !(char.IsAsciiLetter(segment[0]) || segment[0] == '_') || !segment.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
                throw new ArgumentException($"'{path}' is not a valid document path: use dotted identifiers such as 'customer.id'.", nameof(path));
        }
    }
}
