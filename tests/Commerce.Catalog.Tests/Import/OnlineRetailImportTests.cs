using System.Globalization;
using System.IO.Compression;
using System.Text;
using Commerce.Catalog.Import;
using Commerce.Catalog.Products;
using Commerce.Testing;
using Microsoft.VisualBasic.FileIO;

namespace Commerce.Catalog.Tests.Import;

public sealed class OnlineRetailImportTests
{
    private static string DataFile => Path.Combine(RepositoryPaths.SharedData, "online_retail.csv.gz");

    private static ProductCatalog NewCatalog(CatalogStores stores) =>
        new(stores.Documents, TimeProvider.System, new CatalogOptions { RefreshInterval = TimeSpan.FromMinutes(5) });

    /// <summary>The expected figures, counted independently with the framework's own CSV parser.</summary>
    private static (int Rows, int Products, Dictionary<string, int> Skipped, Dictionary<string, decimal> Prices) Recount()
    {
        var prices = new Dictionary<string, Dictionary<decimal, int>>();
        var seen = new HashSet<string>();
        var rows = 0;
        using var file = new GZipStream(File.OpenRead(DataFile), CompressionMode.Decompress);
        using var parser = new TextFieldParser(file, Encoding.UTF8) { TextFieldType = FieldType.Delimited, HasFieldsEnclosedInQuotes = true };
        parser.SetDelimiters(",");
        var header = parser.ReadFields()!.ToList();
        int Column(string name) => header.IndexOf(name);
        while (parser.ReadFields() is { } fields)
        {
            rows++;
            var code = fields[Column("StockCode")].Trim().ToUpperInvariant();
            seen.Add(code);
            if (int.Parse(fields[Column("Quantity")], CultureInfo.InvariantCulture) > 0 && decimal.Parse(fields[Column("UnitPrice")], CultureInfo.InvariantCulture) is > 0 and var price)
            {
                if (!prices.TryGetValue(code, out var counts))
                    prices[code] = counts = [];
                counts[price] = counts.GetValueOrDefault(price) + 1;
            }
        }
        var skipped = new Dictionary<string, int>();
        var products = new Dictionary<string, decimal>();
        foreach (var code in seen)
        {
            var reason = ProductImporter.NonProductCodes.Contains(code) ? ProductImporter.NonProductReason
                : code.StartsWith("GIFT_", StringComparison.Ordinal) ? ProductImporter.GiftVoucherReason
                : !prices.ContainsKey(code) ? ProductImporter.NoPriceReason
                : null;
            if (reason is null)
                products[code] = prices[code].OrderByDescending(p => p.Value).ThenBy(p => p.Key).First().Key;
            else
                skipped[reason] = skipped.GetValueOrDefault(reason) + 1;
        }
        return (rows, products.Count, skipped, products);
    }

    [Fact]
    public async Task The_real_file_imports_one_product_per_stock_code_and_a_second_run_changes_nothing()
    {
        using var stores = new CatalogStores();
        var catalog = NewCatalog(stores);
        var importer = new ProductImporter(catalog, TimeProvider.System);
        var expected = Recount();

        ImportReport first;
        await using (var file = File.OpenRead(DataFile))
            first = await importer.ImportAsync(file);

        Assert.Equal(expected.Rows, first.Rows);
        Assert.Equal(expected.Products, first.Created);
        Assert.Equal(0, first.Updated);
        Assert.Equal(expected.Skipped.Values.Sum(), first.Skipped);
        Assert.Equal(expected.Skipped.OrderBy(s => s.Key), first.SkipReasons.OrderBy(s => s.Key));
        Assert.Equal(expected.Products, await catalog.CountAsync());
        var heart = (await catalog.GetAsync("85123a"))!.Product;
        Assert.Equal(expected.Prices["85123A"], heart.ListPrice);
        Assert.Equal("GBP", heart.Currency);
        Assert.Null(await catalog.GetAsync("POST"));

        ImportReport second;
        await using (var file = File.OpenRead(DataFile))
            second = await importer.ImportAsync(file);
        Assert.Equal((0, 0, expected.Products), (second.Created, second.Updated, second.Unchanged));

        var reopened = NewCatalog(stores);
        Assert.Equal(expected.Products, await reopened.CountAsync());
    }

    [Fact]
    public async Task Plain_csv_with_quotes_and_a_changed_price_updates_only_that_product()
    {
        using var stores = new CatalogStores();
        var catalog = NewCatalog(stores);
        var importer = new ProductImporter(catalog, TimeProvider.System);
        const string header = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";
        var first = header + "1,10001,\"MUG, \"\"BEST\"\" DAD\",2,2011-01-01T10:00:00,1.25,17850,United Kingdom\n"
                           + "2,10002,PLATE,1,2011-01-01T10:00:00,3.00,,United Kingdom\n"
                           + "3,POST,POSTAGE,1,2011-01-01T10:00:00,18.00,,France\n"
                           + "C4,10003,RETURNED ONLY,-1,2011-01-01T10:00:00,2.00,,United Kingdom\n";
        var second = first.Replace("3.00", "3.50", StringComparison.Ordinal);

        var report = await importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(first)));
        var again = await importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(second)));

        Assert.Equal((4, 2, 0, 2), (report.Rows, report.Created, report.Updated, report.Skipped));
        Assert.Equal(1, report.SkipReasons[ProductImporter.NonProductReason]);
        Assert.Equal(1, report.SkipReasons[ProductImporter.NoPriceReason]);
        Assert.Equal("MUG, \"BEST\" DAD", (await catalog.GetAsync("10001"))!.Product.Name);
        Assert.Equal((0, 1, 1), (again.Created, again.Updated, again.Unchanged));
        Assert.Equal(3.50m, (await catalog.GetAsync("10002"))!.Product.ListPrice);
    }

    [Fact]
    public async Task A_file_without_the_expected_columns_is_refused()
    {
        using var stores = new CatalogStores();
        var importer = new ProductImporter(NewCatalog(stores), TimeProvider.System);

        var error = await Assert.ThrowsAsync<ImportFormatException>(() => importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes("sku,price\nA,1\n"))));
        Assert.Contains("StockCode", error.Message);
    }

    [Fact]
    public async Task An_empty_file_is_refused_rather_than_reported_as_imported()
    {
        using var stores = new CatalogStores();
        var importer = new ProductImporter(NewCatalog(stores), TimeProvider.System);

        var error = await Assert.ThrowsAsync<ImportFormatException>(() => importer.ImportAsync(new MemoryStream()));
        Assert.Contains("empty", error.Message);
    }
}
