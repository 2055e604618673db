using System.Globalization;
using System.IO.Compression;
using System.Text;
using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Catalog.Customers;
using Commerce.Catalog.Import;
using Commerce.Testing;
using Microsoft.VisualBasic.FileIO;

namespace Commerce.Analytics.Tests;

/// <summary>One raw row of the file, parsed by the test itself (not by the product's reader).</summary>
public sealed record RawRow(string Invoice, string Code, string Description, int Quantity, DateTime UkTime, decimal Price, string Customer, string Country);

/// <summary>
/// The Online Retail file read once per test run: through the product's reader, and a second time by a plain
/// parser of the test's own, so that figures can be checked against an independent recount.
/// </summary>
public sealed class OnlineRetailData
{
    public static string File => Path.Combine(RepositoryPaths.SharedData, "online_retail.csv.gz");

    public OnlineRetailData()
    {
        Lines = OnlineRetailFile.LoadAsync(File).GetAwaiter().GetResult();
        History = OnlineRetailHistory.From(Lines);
        Purchases = new PurchaseHistory(History.Purchases());
        _features = new(() => new CustomerFeatureBuilder(new FeatureSettings()).Build(Purchases, [], new Dictionary<string, CustomerProfile>(), AsOf));
        var rows = new List<RawRow>(550_000);
        using var file = new GZipStream(System.IO.File.OpenRead(File), CompressionMode.Decompress);
        using var parser = new TextFieldParser(file, Encoding.UTF8) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        parser.ReadFields();
        while (parser.ReadFields() is { } f)
            rows.Add(new RawRow(f[0], f[1].Trim().ToUpperInvariant(), f[2], int.Parse(f[3], CultureInfo.InvariantCulture),
                DateTime.ParseExact(f[4], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), decimal.Parse(f[5], CultureInfo.InvariantCulture), f[6], f[7]));
        Raw = rows;

        var kept = rows.Where(r => r.Customer.Length > 0 && !ProductImporter.NonProductCodes.Contains(r.Code) && r.Price > 0 && r.Quantity != 0 && r.Invoice.StartsWith('C') == r.Quantity < 0).ToList();
        RawSales = kept.Where(r => r.Quantity > 0).ToList();
        RawCancellations = kept.Where(r => r.Quantity < 0).ToList();
        InvoiceTime = RawSales.GroupBy(r => r.Invoice).ToDictionary(g => g.Key, g => g.Min(r => r.UkTime));

        // Each cancellation line takes units back from the customer's latest earlier invoice that still has them.
        var left = RawSales.GroupBy(r => (r.Invoice, r.Code)).ToDictionary(g => g.Key, g => g.Sum(r => r.Quantity));
        var invoicesWith = RawSales.GroupBy(r => (r.Customer, r.Code)).ToDictionary(g => g.Key, g => g.Select(r => r.Invoice).Distinct().ToList());
        var matched = new List<RawRow>();
        foreach (var c in RawCancellations.OrderBy(c => c.UkTime).ThenBy(c => c.Invoice, StringComparer.Ordinal))
        {
            var candidates = invoicesWith.GetValueOrDefault((c.Customer, c.Code), [])
                .Where(i => InvoiceTime[i] <= c.UkTime && left[(i, c.Code)] >= -c.Quantity)
                .OrderByDescending(i => InvoiceTime[i]).ToList();
            if (candidates.Count == 0)
                continue;
            left[(candidates[0], c.Code)] += c.Quantity;
            matched.Add(c);
        }
        RawMatchedReturns = matched;
    }

    public IReadOnlyList<OnlineRetailLine> Lines { get; }
    public OnlineRetailHistory History { get; }
    public PurchaseHistory Purchases { get; }
    public IReadOnlyList<RawRow> Raw { get; }

    /// <summary>Goods sold to known customers at a positive price, by the test's own reading.</summary>
    public IReadOnlyList<RawRow> RawSales { get; }
    public IReadOnlyList<RawRow> RawCancellations { get; }

    /// <summary>The cancellation lines a plain recount matches to an earlier sale.</summary>
    public IReadOnlyList<RawRow> RawMatchedReturns { get; }

    /// <summary>The day after the last invoice.</summary>
    public static readonly DateTime AsOf = new(2011, 12, 10, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Features of every customer as of <see cref="AsOf"/>, built once.</summary>
    public FeatureSet Features => _features.Value;

    private readonly Lazy<FeatureSet> _features;

    /// <summary>Each sale invoice's first line time, UK local.</summary>
    public IReadOnlyDictionary<string, DateTime> InvoiceTime { get; }

    /// <summary>UK local time to UTC by the rule of the day: British Summer Time in 2011 ran from 27 March 01:00 to 30 October 01:00 UTC.</summary>
    public static DateTime Utc(DateTime uk)
    {
        var bstStart = new DateTime(2011, 3, 27, 1, 0, 0);
        var bstEnd = new DateTime(2011, 10, 30, 2, 0, 0);
        return uk >= bstStart && uk < bstEnd ? uk.AddHours(-1) : uk;
    }
}

[CollectionDefinition(Name)]
public sealed class OnlineRetailCollection : ICollectionFixture<OnlineRetailData>
{
    public const string Name = "Online Retail";
}
