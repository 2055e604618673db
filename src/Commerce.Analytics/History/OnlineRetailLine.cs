using System.Globalization;
using Commerce.Catalog.Import;

namespace Commerce.Analytics.History;

/// <summary>
/// One invoice line of the Online Retail data set (InvoiceNo, StockCode, Description, Quantity, InvoiceDate,
/// UnitPrice, CustomerID, Country). <see cref="InvoiceDate"/> is the file's UK local time, unconverted.
/// </summary>
public sealed record OnlineRetailLine(
    string InvoiceNo,
    string StockCode,
    string Description,
    int Quantity,
    DateTime InvoiceDate,
    decimal UnitPrice,
    string? CustomerId,
    string Country)
{
    /// <summary>Cancellation invoices start with C and carry negative quantities.</summary>
    public bool IsCancellation => InvoiceNo.StartsWith('C');

    /// <summary>Goods, as opposed to postage, discounts, fees and manual adjustments.</summary>
    public bool IsProduct => !ProductImporter.NonProductCodes.Contains(StockCode);

    /// <summary>A sale of goods to a known customer: the rows that analytics and models learn from.</summary>
    public bool IsCustomerSale => CustomerId is not null && Quantity > 0 && UnitPrice > 0 && !IsCancellation && IsProduct;
}

/// <summary>Reads <see cref="OnlineRetailLine"/>s from plain or gzip CSV with the data set's header.</summary>
public static class OnlineRetailFile
{
    public const string MalformedQuantity = "quantity is not a whole number";
    public const string MalformedPrice = "unit price is not a number";
    public const string MalformedDate = "invoice date is not yyyy-MM-ddTHH:mm:ss";
    public const string MissingInvoiceOrCode = "no invoice number or stock code";

    private static readonly string[] Columns = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"];

    /// <summary>Every well-formed line; each malformed one is reported to <paramref name="skipped"/> with its reason.</summary>
    /// <exception cref="ImportFormatException">the header lacks one of the data set's columns.</exception>
    public static async IAsyncEnumerable<OnlineRetailLine> ReadAsync(
        Stream seekableInput,
        Action<string>? skipped = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        int[]? index = null;
        await foreach (var record in CsvReader.ReadAsync(CsvReader.OpenMaybeCompressed(seekableInput), cancellationToken).ConfigureAwait(false))
        {
            if (index is null)
            {
                var header = record.Select(h => h.Trim()).ToList();
                index = Columns.Select(c => header.FindIndex(h => h.Equals(c, StringComparison.OrdinalIgnoreCase))).ToArray();
                var missing = Columns.Where((_, i) => index[i] < 0).ToList();
                if (missing.Count > 0)
                    throw new ImportFormatException($"The CSV has no {string.Join(", ", missing)} column; expected the Online Retail columns ({string.Join(", ", Columns)}).");
                continue;
            }
            if (record.Count == 1 && record[0].Length == 0)
                continue;
            string Field(int column) => index[column] < record.Count ? record[index[column]].Trim() : "";
            var (invoice, code) = (Field(0), Field(1).ToUpperInvariant());
            if (invoice.Length == 0 || code.Length == 0)
                skipped?.Invoke(MissingInvoiceOrCode);
            else if (!int.TryParse(Field(3), NumberStyles.Integer, CultureInfo.InvariantCulture, out var quantity))
                skipped?.Invoke(MalformedQuantity);
            else if (!DateTime.TryParseExact(Field(4), "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                skipped?.Invoke(MalformedDate);
            else if (!decimal.TryParse(Field(5), NumberStyles.Number, CultureInfo.InvariantCulture, out var price))
                skipped?.Invoke(MalformedPrice);
            else
            {
                var customer = Field(6);
                yield return new OnlineRetailLine(invoice, code, Field(2), quantity, date, price, customer.Length == 0 ? null : customer, Field(7));
            }
        }
    }

    /// <summary>All lines of a file, read in one go (the whole data set is about 540,000 lines).</summary>
    public static async Task<List<OnlineRetailLine>> LoadAsync(string path, Action<string>? skipped = null, CancellationToken cancellationToken = default)
    {
        await using var file = File.OpenRead(path);
        var lines = new List<OnlineRetailLine>(capacity: 1 << 16);
        await foreach (var line in ReadAsync(file, skipped, cancellationToken).ConfigureAwait(false))
            lines.Add(line);
        return lines;
    }
}
