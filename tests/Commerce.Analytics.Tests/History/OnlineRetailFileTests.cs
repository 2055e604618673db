using System.Globalization;
using System.IO.Compression;
using System.Text;
using Commerce.Analytics.History;
using Commerce.Catalog.Import;
using Commerce.Testing;
using Microsoft.VisualBasic.FileIO;

namespace Commerce.Analytics.Tests.History;

public sealed class OnlineRetailFileTests
{
    private static string DataFile => Path.Combine(RepositoryPaths.SharedData, "online_retail.csv.gz");

    [Fact]
    public async Task The_real_file_reads_every_line_and_agrees_with_an_independent_parse_on_customer_sales()
    {
        var lines = await OnlineRetailFile.LoadAsync(DataFile);

        var (rows, sales, revenue, customers) = (0, 0, 0m, new HashSet<string>());
        using (var file = new GZipStream(File.OpenRead(DataFile), CompressionMode.Decompress))
        using (var parser = new TextFieldParser(file, Encoding.UTF8) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true })
        {
            parser.SetDelimiters(",");
            parser.ReadFields();
            while (parser.ReadFields() is { } f)
            {
                rows++;
                var quantity = int.Parse(f[3], CultureInfo.InvariantCulture);
                var price = decimal.Parse(f[5], CultureInfo.InvariantCulture);
                if (f[6].Length == 0 || quantity <= 0 || price <= 0 || f[0].StartsWith('C') || ProductImporter.NonProductCodes.Contains(f[1].Trim()))
                    continue;
                sales++;
                revenue += quantity * price;
                customers.Add(f[6]);
            }
        }

        Assert.Equal(541_909, rows);
        Assert.Equal(rows, lines.Count);
        var customerSales = lines.Where(l => l.IsCustomerSale).ToList();
        Assert.Equal(sales, customerSales.Count);
        Assert.Equal(revenue, customerSales.Sum(l => l.Quantity * l.UnitPrice));
        Assert.Equal(customers.Count, customerSales.Select(l => l.CustomerId).Distinct().Count());
        Assert.Equal(new DateTime(2010, 12, 1, 8, 26, 0), lines[0].InvoiceDate);

        var history = PurchaseHistory.FromOnlineRetail(lines);
        Assert.Equal(sales, history.Sales.Count());
        Assert.Equal(revenue, history.Sales.Sum(p => p.Amount));
        Assert.All(history.Lines.Where(p => p.IsReturn), p => Assert.StartsWith("C", p.OrderId));
        var cut = new DateTime(2011, 9, 9);
        Assert.Equal(customerSales.Count(l => l.InvoiceDate < cut), history.Before(cut).Sales.Count());
        Assert.Equal(customerSales.Count(l => l.InvoiceDate >= cut), history.Between(cut, DateTime.MaxValue).Sales.Count());
    }

    [Fact]
    public async Task Malformed_lines_are_skipped_with_their_reason_and_a_missing_column_is_refused()
    {
        const string csv = """
            InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
            1,A1,ok,2,2011-01-02T03:04:05,1.5,12345,France
            2,A2,bad qty,two,2011-01-02T03:04:05,1.5,12345,France
            3,A3,bad date,2,02/01/2011,1.5,,France
            4,A4,bad price,2,2011-01-02T03:04:05,cheap,,France
            ,A5,no invoice,2,2011-01-02T03:04:05,1.5,,France
            """;
        var reasons = new List<string>();
        var lines = new List<OnlineRetailLine>();
        await foreach (var line in OnlineRetailFile.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(csv)), reasons.Add))
            lines.Add(line);

        var only = Assert.Single(lines);
        Assert.Equal(new OnlineRetailLine("1", "A1", "ok", 2, new DateTime(2011, 1, 2, 3, 4, 5), 1.5m, "12345", "France"), only);
        Assert.Equal([OnlineRetailFile.MalformedQuantity, OnlineRetailFile.MalformedDate, OnlineRetailFile.MalformedPrice, OnlineRetailFile.MissingInvoiceOrCode], reasons);

        await Assert.ThrowsAsync<ImportFormatException>(async () =>
        {
            await foreach (var _ in OnlineRetailFile.ReadAsync(new MemoryStream("InvoiceNo,StockCode\n1,A\n"u8.ToArray()))) { }
        });
    }
}
