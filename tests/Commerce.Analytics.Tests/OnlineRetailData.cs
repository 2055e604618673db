using System.Globalization;
using System.IO.Compression;
using System.Text;
using Commerce.Analytics.History;
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
        var rows = new List<RawRow>(550_000);
        using var file = new GZipStream(System.IO.File.OpenRead(File), CompressionMode.Decompress);
        using var parser = new TextFieldParser(file, Encoding.UTF8) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        parser.ReadFields();
        while (parser.ReadFields() is { } f)
            rows.Add(new RawRow(f[0], f[1].Trim().ToUpperInvariant(), f[2], int.Parse(f[3], CultureInfo.InvariantCulture),
                DateTime.ParseExact(f[4], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture), decimal.Parse(f[5], CultureInfo.InvariantCulture), f[6], f[7]));
        Raw = rows;
    }

    public IReadOnlyList<OnlineRetailLine> Lines { get; }
    public OnlineRetailHistory History { get; }
    public PurchaseHistory Purchases { get; }
    public IReadOnlyList<RawRow> Raw { get; }

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
