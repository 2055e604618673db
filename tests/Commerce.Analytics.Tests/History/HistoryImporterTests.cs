using System.Text;
using Commerce.Analytics.History;
using Commerce.Catalog.Customers;
using Commerce.Catalog.Import;
using Commerce.Orders.Orders;

namespace Commerce.Analytics.Tests.History;

public sealed class HistoryImporterTests : IDisposable
{
    private readonly LakeStack _stack = new();
    private CustomerService _customers => _stack.Customers;
    private OrderRepository _orders => _stack.Orders;

    // Two customers: 100 buys twice and returns part of the second order (matched), 200 returns something never
    // bought in the file (unmatched); a guest sale, postage, and a line without a price are skipped.
    private const string Csv = """
        InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
        500001,A1,RED MUG,6,2011-01-10T09:00:00,2.50,100,France
        500001,POST,POSTAGE,1,2011-01-10T09:00:00,18.00,100,France
        500002,A1,RED MUG,4,2011-07-01T15:30:00,2.10,100,France
        500002,B2,BLUE BOWL,2,2011-07-01T15:30:00,4.00,100,France
        500003,B2,BLUE BOWL,1,2011-07-02T10:00:00,4.00,,United Kingdom
        500004,C3,GREEN JUG,3,2011-07-03T10:00:00,0,200,Germany
        500005,C3,GREEN JUG,5,2011-07-03T11:00:00,3.00,200,Germany
        C500006,A1,RED MUG,-3,2011-07-05T12:00:00,2.10,100,France
        C500007,Z9,OLD LAMP,-1,2011-07-06T12:00:00,9.00,200,Germany
        """;

    [Fact]
    public async Task Customers_orders_and_matched_returns_are_stored_at_utc_times_and_skipped_lines_counted_by_reason()
    {
        var report = await _stack.Importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(Csv)));

        Assert.Equal(new HistoryImportReport(9, 2, 2, 3, 3, 4, 1, 4, report.SkipReasons, report.Lake), report);
        Assert.Equal(new Dictionary<string, int>
        {
            [OnlineRetailHistory.NotGoods] = 1,
            [OnlineRetailHistory.NoCustomer] = 1,
            [OnlineRetailHistory.NoPositivePrice] = 1,
            [OnlineRetailHistory.UnmatchedReturn] = 1,
        }, report.SkipReasons);

        var france = (await _customers.GetAsync("100"))!.Value.Customer;
        Assert.Equal("France", france.Country);
        Assert.Equal(new DateTimeOffset(2011, 1, 10, 9, 0, 0, TimeSpan.Zero), france.CreatedAt);

        var winter = (await _orders.GetAsync("500001"))!;
        Assert.Equal(OrderStatus.Completed, winter.Status);
        Assert.Equal("100", winter.CustomerId);
        Assert.Equal(15.00m, winter.Total);
        Assert.Equal(new DateTimeOffset(2011, 1, 10, 9, 0, 0, TimeSpan.Zero), winter.PlacedAt);
        Assert.Empty(winter.Returns);

        var summer = (await _orders.GetAsync("500002"))!;
        Assert.Equal(new DateTimeOffset(2011, 7, 1, 14, 30, 0, TimeSpan.Zero), summer.PlacedAt);
        Assert.Equal(16.40m, summer.Total);
        var returned = Assert.Single(summer.Returns);
        Assert.Equal(new OrderReturn("C500006", 1, new DateTimeOffset(2011, 7, 5, 11, 0, 0, TimeSpan.Zero), "A1", "RED MUG", 3, 2.10m, 6.30m), returned);

        Assert.Null(await _orders.GetAsync("500003"));
        var mine = await _orders.ListByCustomerAsync("100", null, 10, null);
        Assert.Equal(["500002", "500001"], mine.Orders.Select(o => o.Id));
    }

    [Fact]
    public async Task The_lake_gets_the_orders_their_lines_and_events_and_gives_back_the_purchase_history_the_file_gives()
    {
        var report = await _stack.Importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(Csv)));

        // Three completed orders (placed, paid, completed each) and one return refunded: 10 events.
        Assert.Equal(new ImportedInLake(3, 5, 10), report.Lake);
        Assert.Equal(3, await _stack.ScalarAsync("SELECT count(*) FROM events WHERE type = 'order_completed'"));
        Assert.Equal(1, await _stack.ScalarAsync("SELECT count(*) FROM events WHERE type = 'order_refunded' AND order_id = '500002' AND amount = 6.30 AND sequence = 4"));
        Assert.Equal(3, await _stack.ScalarAsync("SELECT count(DISTINCT date) FROM orders"));
        Assert.Equal(1, await _stack.ScalarAsync("SELECT count(*) FROM order_lines WHERE kind = 'return' AND quantity = -3 AND return_id = 'C500006' AND date = DATE '2011-07-05'"));
        var files = await _stack.LakeFilesAsync();
        Assert.Contains(files, f => f.StartsWith("order_lines/date=2011-07-01/part-", StringComparison.Ordinal) && f.Split(' ')[0].EndsWith(".parquet", StringComparison.Ordinal));

        await using var lake = await _stack.Lake.OpenAsync();
        var fromLake = Commerce.Analytics.Lake.LakeHistory.LoadPurchases(lake, "GBP");
        var fromFile = new PurchaseHistory((await OnlineRetailHistory.ReadAsync(new MemoryStream(Encoding.UTF8.GetBytes(Csv)))).Purchases());
        Assert.Equal(fromFile.Lines, fromLake.Lines);
        Assert.Equal("2.5", fromLake.Lines[0].UnitPrice.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // A window is read in the query: from the second order's time (included) to the first return's (excluded).
        var (from, to) = (new DateTime(2011, 7, 1, 14, 30, 0, DateTimeKind.Utc), new DateTime(2011, 7, 5, 11, 0, 0, DateTimeKind.Utc));
        var window = Commerce.Analytics.Lake.LakeHistory.LoadPurchases(lake, "GBP", from: from, to: to);
        Assert.Equal(fromFile.Lines.Where(p => p.At >= from && p.At < to), window.Lines);
        Assert.Equal(["500002", "500005"], window.Lines.Select(p => p.OrderId).Distinct());
    }

    [Fact]
    public async Task Importing_again_changes_nothing()
    {
        var importer = _stack.Importer;
        await importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(Csv)));
        var before = await SnapshotAsync();

        var again = await importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(Csv)));

        Assert.Equal(0, again.CustomersCreated);
        Assert.Equal(0, again.OrdersCreated);
        Assert.Equal(new ImportedInLake(3, 5, 10), again.Lake);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task A_file_without_the_data_sets_columns_is_refused_before_anything_is_stored()
    {
        await Assert.ThrowsAsync<ImportFormatException>(() =>
            _stack.Importer.ImportAsync(new MemoryStream("InvoiceNo,StockCode\n1,A\n"u8.ToArray())));
        Assert.Empty((await _customers.ListAsync(null, null, 10, null)).Customers);
    }

    /// <summary>Every document of the containers the import writes, with its ETag.</summary>
    private async Task<string> SnapshotAsync()
    {
        var all = new StringBuilder();
        foreach (var container in new[] { CustomerService.Container, OrderRepository.OrdersContainer, OrderRepository.IndexContainer })
        {
            using var session = _stack.Database.Rent();
            using var command = session.Connection.CreateCommand();
            command.CommandText = $"SELECT pk, id, etag FROM \"docs_{container}\" ORDER BY pk, id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                all.AppendLine($"{container} {reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)}");
        }
        foreach (var file in await _stack.LakeFilesAsync())
            all.AppendLine(file);
        // The outbox's streams; its pending lists are emptied by the compaction that follows each import.
        using (var session = _stack.Database.Rent())
        using (var command = session.Connection.CreateCommand())
        {
            command.CommandText = "SELECT pk, id, etag FROM \"docs_outbox\" ORDER BY pk, id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
                all.AppendLine($"outbox {reader.GetString(0)} {reader.GetString(1)} {reader.GetString(2)}");
        }
        return all.ToString();
    }

    public void Dispose() => _stack.Dispose();
}
