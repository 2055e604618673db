using System.Globalization;
using System.IO.Compression;
using System.Text;
using Microsoft.VisualBasic.FileIO;

namespace Commerce.Testing;

/// <summary>One row of the Online Retail file, parsed by the tests themselves (not by the product's reader).</summary>
public sealed record RawRow(string Invoice, string Code, string Description, int Quantity, DateTime UkTime, decimal Price, string Customer, string Country);

/// <summary>A customer's figures as of a date, counted plainly from raw rows.</summary>
public sealed record RawCustomer(string Customer, int Recency, int Frequency, decimal Monetary, int Tenure, decimal Gross, decimal Returned, decimal Trailing);

/// <summary>
/// The second, simple computation the tests check the product's figures against: the Online Retail file read
/// with a plain CSV parser, sales and matched returns picked by the data set's README rules, times converted by
/// the 2011 British Summer Time dates, RFM and segments recounted with plain LINQ. It shares no code with the
/// product; the segment map is written out as conditions here.
/// </summary>
public sealed class OnlineRetailRecount
{
    public static string File => Path.Combine(RepositoryPaths.SharedData, "online_retail.csv.gz");

    /// <summary>The day after the last invoice.</summary>
    public static readonly DateTime AsOf = new(2011, 12, 10, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Charges, discounts and corrections rather than goods, as the data set's README lists them.</summary>
    public static readonly IReadOnlySet<string> NotGoods = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "POST", "D", "M", "DOT", "C2", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "S", "B",
    };

    public OnlineRetailRecount()
    {
        var rows = new List<RawRow>(550_000);
        using (var file = new GZipStream(System.IO.File.OpenRead(File), CompressionMode.Decompress))
        using (var parser = new TextFieldParser(file, Encoding.UTF8) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true })
        {
            parser.SetDelimiters(",");
            parser.ReadFields();
            while (parser.ReadFields() is { } f)
                rows.Add(new RawRow(f[0], f[1].Trim().ToUpperInvariant(), f[2], int.Parse(f[3], CultureInfo.InvariantCulture),
                    DateTime.ParseExact(f[4], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), decimal.Parse(f[5], CultureInfo.InvariantCulture), f[6], f[7]));
        }
        Raw = rows;

        var kept = rows.Where(r => r.Customer.Length > 0 && !NotGoods.Contains(r.Code) && r.Price > 0 && r.Quantity != 0 && r.Invoice.StartsWith('C') == r.Quantity < 0).ToList();
        Sales = kept.Where(r => r.Quantity > 0).ToList();
        Cancellations = kept.Where(r => r.Quantity < 0).ToList();
        InvoiceTime = Sales.GroupBy(r => r.Invoice).ToDictionary(g => g.Key, g => g.Min(r => r.UkTime));

        // Each cancellation line takes units back from the customer's latest earlier invoice that still has them.
        var left = Sales.GroupBy(r => (r.Invoice, r.Code)).ToDictionary(g => g.Key, g => g.Sum(r => r.Quantity));
        var invoicesWith = Sales.GroupBy(r => (r.Customer, r.Code)).ToDictionary(g => g.Key, g => g.Select(r => r.Invoice).Distinct().ToList());
        var matched = new List<RawRow>();
        foreach (var c in Cancellations.OrderBy(c => c.UkTime).ThenBy(c => c.Invoice, StringComparer.Ordinal))
        {
            var candidates = invoicesWith.GetValueOrDefault((c.Customer, c.Code), [])
                .Where(i => InvoiceTime[i] <= c.UkTime && left[(i, c.Code)] >= -c.Quantity)
                .OrderByDescending(i => InvoiceTime[i]).ToList();
            if (candidates.Count == 0)
                continue;
            left[(candidates[0], c.Code)] += c.Quantity;
            matched.Add(c);
        }
        MatchedReturns = matched;
    }

    public IReadOnlyList<RawRow> Raw { get; }

    /// <summary>Goods sold to known customers at a positive price.</summary>
    public IReadOnlyList<RawRow> Sales { get; }
    public IReadOnlyList<RawRow> Cancellations { get; }

    /// <summary>The cancellation lines matched to an earlier sale.</summary>
    public IReadOnlyList<RawRow> MatchedReturns { get; }

    /// <summary>Each sale invoice's first line time, UK local.</summary>
    public IReadOnlyDictionary<string, DateTime> InvoiceTime { get; }

    /// <summary>UK local time to UTC by the rule of the year: British Summer Time in 2011 ran from 27 March 01:00 to 30 October 01:00 UTC.</summary>
    public static DateTime Utc(DateTime uk)
    {
        var bstStart = new DateTime(2011, 3, 27, 1, 0, 0);
        var bstEnd = new DateTime(2011, 10, 30, 2, 0, 0);
        return DateTime.SpecifyKind(uk >= bstStart && uk < bstEnd ? uk.AddHours(-1) : uk, DateTimeKind.Utc);
    }

    /// <summary>Recency, frequency and net spend (and a few more) of every customer who ordered before <paramref name="asOf"/>.</summary>
    public List<RawCustomer> Customers(DateTime asOf)
    {
        var yearAgo = asOf.AddDays(-365);
        var returnsOf = MatchedReturns.Where(r => Utc(r.UkTime) < asOf).ToLookup(r => r.Customer);
        return Sales.Where(r => Utc(InvoiceTime[r.Invoice]) < asOf).GroupBy(r => r.Customer).Select(g =>
        {
            var invoices = g.Select(r => r.Invoice).Distinct().Select(i => Utc(InvoiceTime[i])).ToList();
            var gross = g.Sum(r => r.Quantity * r.Price);
            var returned = returnsOf[g.Key].Sum(r => -r.Quantity * r.Price);
            var trailing = g.Where(r => Utc(InvoiceTime[r.Invoice]) >= yearAgo).Sum(r => r.Quantity * r.Price)
                - returnsOf[g.Key].Where(r => Utc(r.UkTime) >= yearAgo).Sum(r => -r.Quantity * r.Price);
            return new RawCustomer(g.Key, (int)Math.Floor((asOf - invoices.Max()).TotalDays), invoices.Count, gross - returned,
                (int)Math.Floor((asOf - invoices.Min()).TotalDays), gross, returned, trailing);
        }).ToList();
    }

    /// <summary>The 20th, 40th, 60th and 80th percentiles by nearest rank.</summary>
    public static List<T> QuintileCuts<T>(IEnumerable<T> values)
    {
        var sorted = values.Order().ToList();
        return [.. new[] { 0.2, 0.4, 0.6, 0.8 }.Select(p => sorted[(int)Math.Ceiling(p * sorted.Count) - 1])];
    }

    /// <summary>Scores 1-5 of each customer: beating more cut points scores higher; for recency, fewer days beat a cut.</summary>
    public static Dictionary<string, (int R, int F, int M)> Scores(List<RawCustomer> customers)
    {
        var r = QuintileCuts(customers.Select(c => c.Recency));
        var f = QuintileCuts(customers.Select(c => c.Frequency));
        var m = QuintileCuts(customers.Select(c => c.Monetary));
        return customers.ToDictionary(c => c.Customer, c => (1 + r.Count(x => c.Recency < x), 1 + f.Count(x => c.Frequency > x), 1 + m.Count(x => c.Monetary > x)));
    }

    /// <summary>The classic R x F segment map (bottom-left split into Hibernating and Lost), written out as conditions.</summary>
    public static string SegmentOf(int r, int f) => (r, f) switch
    {
        (5, 1) => "New",
        (4, 1) => "Promising",
        ( >= 4, 2 or 3) => "PotentialLoyalist",
        (5, >= 4) => "Champions",
        (3 or 4, >= 4) => "Loyal",
        (3, <= 2) => "AboutToSleep",
        (3, 3) => "NeedAttention",
        ( <= 2, 3 or 4) => "AtRisk",
        ( <= 2, 5) => "CannotLose",
        (2, <= 2) => "Hibernating",
        _ => "Lost",
    };

    /// <summary>How many customers each segment has as of a date, by the recount.</summary>
    public Dictionary<string, int> SegmentSizes(DateTime asOf) =>
        Scores(Customers(asOf)).Values.GroupBy(s => SegmentOf(s.R, s.F)).ToDictionary(g => g.Key, g => g.Count());
}
