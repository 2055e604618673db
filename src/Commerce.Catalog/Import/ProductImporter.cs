using System.Globalization;
using Commerce.Catalog.Categories;
using Commerce.Catalog.Products;

namespace Commerce.Catalog.Import;

/// <summary>What an import did: products created and updated, stock codes skipped and why.</summary>
public sealed record ImportReport(int Rows, int Created, int Updated, int Unchanged, int Skipped, IReadOnlyDictionary<string, int> SkipReasons);

public sealed class ImportFormatException(string message) : Exception(message);

/// <summary>
/// Imports products from invoice lines in the Online Retail format (InvoiceNo, StockCode, Description,
/// Quantity, InvoiceDate, UnitPrice, CustomerID, Country): one product per stock code (case-insensitive),
/// named by its most frequent description and priced at its most frequent positive unit price in sales
/// lines. Service and adjustment codes, gift vouchers and codes never sold at a positive price are skipped.
/// Importing the same file again changes nothing.
/// </summary>
public sealed class ProductImporter(ProductCatalog catalog, TimeProvider time)
{
    public const string ImportedCategory = "imported";
    public const string Currency = "GBP";

    public const string NonProductReason = "service or adjustment code";
    public const string GiftVoucherReason = "gift voucher";
    public const string NoPriceReason = "no positive price";
    public const string InvalidSkuReason = "not a valid SKU";

    /// <summary>Codes in the data that are charges, discounts or corrections, not goods.</summary>
    public static readonly IReadOnlySet<string> NonProductCodes = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "POST", "D", "M", "DOT", "C2", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "S", "B",
    };

    private static readonly string[] RequiredColumns = ["StockCode", "Description", "Quantity", "UnitPrice"];
    private const string ExpectedColumns = "expected the Online Retail columns (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country)";

    /// <exception cref="ImportFormatException">the input is empty or lacks a required column.</exception>
    public async Task<ImportReport> ImportAsync(Stream seekableInput, CancellationToken cancellationToken = default)
    {
        var codes = new Dictionary<string, CodeStats>(StringComparer.Ordinal);
        var rows = 0;
        Dictionary<string, int>? columns = null;
        await foreach (var record in CsvReader.ReadAsync(CsvReader.OpenMaybeCompressed(seekableInput), cancellationToken).ConfigureAwait(false))
        {
            if (columns is null)
            {
                columns = record.Select((name, i) => (name.Trim(), i)).ToDictionary(c => c.Item1, c => c.i, StringComparer.OrdinalIgnoreCase);
                var missing = RequiredColumns.Where(c => !columns.ContainsKey(c)).ToList();
                if (missing.Count > 0)
                    throw new ImportFormatException($"The CSV has no {string.Join(", ", missing)} column; {ExpectedColumns}.");
                continue;
            }
            if (record.Count == 1 && record[0].Length == 0)
                continue;
            rows++;
            string Field(string name) => columns[name] < record.Count ? record[columns[name]] : "";
            var code = Field("StockCode").Trim();
            if (code.Length == 0)
                continue;
            var key = code.ToUpperInvariant();
            if (!codes.TryGetValue(key, out var stats))
                codes[key] = stats = new CodeStats();
            var description = Field("Description").Trim();
            if (description.Length > 0)
                stats.Descriptions[description] = stats.Descriptions.GetValueOrDefault(description) + 1;
            if (int.TryParse(Field("Quantity"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var quantity) && quantity > 0
                && decimal.TryParse(Field("UnitPrice"), NumberStyles.Number, CultureInfo.InvariantCulture, out var price) && price > 0)
                stats.Prices[price] = stats.Prices.GetValueOrDefault(price) + 1;
        }
        if (columns is null)
            throw new ImportFormatException($"The CSV is empty; {ExpectedColumns}, in a header row.");

        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var changes = new List<Product>();
        int created = 0, updated = 0, unchanged = 0;
        foreach (var (key, stats) in codes.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var reason = SkipReason(key, stats);
            if (reason is not null)
            {
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                continue;
            }
            var name = stats.Descriptions.Count == 0 ? $"Item {key}" : stats.Descriptions.OrderByDescending(d => d.Value).ThenBy(d => d.Key, StringComparer.Ordinal).First().Key;
            var listPrice = stats.Prices.OrderByDescending(p => p.Value).ThenBy(p => p.Key).First().Key;
            var existing = (await catalog.GetAsync(key, cancellationToken).ConfigureAwait(false))?.Product;
            if (existing is null)
            {
                changes.Add(new Product { Sku = key, Name = Truncate(name, 200), Category = ImportedCategory, ListPrice = listPrice, Currency = Currency, CreatedAt = now, UpdatedAt = now });
                created++;
            }
            else if (existing.Name != Truncate(name, 200) || existing.ListPrice != listPrice || existing.Currency != Currency)
            {
                changes.Add(existing with { Name = Truncate(name, 200), ListPrice = listPrice, Currency = Currency, UpdatedAt = now });
                updated++;
            }
            else
            {
                unchanged++;
            }
        }
        if (changes.Count > 0 && (await catalog.CategoriesAsync(cancellationToken).ConfigureAwait(false)).Find(ImportedCategory) is null)
            await catalog.PutCategoryAsync(new Category { Id = ImportedCategory, Name = "Imported products" }, cancellationToken).ConfigureAwait(false);
        await catalog.UpsertManyAsync(changes, cancellationToken).ConfigureAwait(false);
        return new ImportReport(rows, created, updated, unchanged, reasons.Values.Sum(), reasons);
    }

    private static string? SkipReason(string key, CodeStats stats)
    {
        if (NonProductCodes.Contains(key))
            return NonProductReason;
        if (key.StartsWith("GIFT_", StringComparison.Ordinal))
            return GiftVoucherReason;
        if (!Skus.IsValid(key))
            return InvalidSkuReason;
        return stats.Prices.Count == 0 ? NoPriceReason : null;
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    private sealed class CodeStats
    {
        public Dictionary<string, int> Descriptions { get; } = new(StringComparer.Ordinal);
        public Dictionary<decimal, int> Prices { get; } = [];
    }
}
