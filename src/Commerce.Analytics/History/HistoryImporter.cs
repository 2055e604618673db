using Commerce.Analytics.Lake;
using Commerce.Catalog.Customers;
using Commerce.Orders.Orders;

namespace Commerce.Analytics.History;

/// <summary>What a history import found and did; <see cref="SkipReasons"/> count lines by why they were left out.</summary>
public sealed record HistoryImportReport(
    int Rows,
    int Customers,
    int CustomersCreated,
    int Orders,
    int OrdersCreated,
    int OrderLines,
    int Returns,
    int Skipped,
    IReadOnlyDictionary<string, int> SkipReasons,
    ImportedInLake Lake)
{
    /// <summary>How many days later than in the file the history was stored (0 unless it was moved to end now).</summary>
    public int ShiftedDays { get; init; }
}

/// <summary>What the lake holds of imported history once the import has compacted it (the same after importing again).</summary>
public sealed record ImportedInLake(long Orders, long OrderLines, long Events);

/// <summary>
/// Loads an Online Retail file into the store as the shop's own history: a customer per customer id (with
/// country), a completed order per sale invoice (the invoice number is the order id), and the cancellation
/// lines matched to those orders as their returns, all at their original times in UTC. Storing the orders
/// records their events (placed, paid, completed, refunded for returns) like any order's; the import then
/// compacts them, with the orders and their lines, into the lake. Order ids and customer ids come from the
/// file, and existing ones are left alone, so importing again changes nothing.
/// </summary>
public sealed class HistoryImporter(CustomerService customers, OrderRepository orders, LakeCompactor compactor, Lake.Lake lake, TimeProvider time)
{
    public const string PaymentMethod = "history-import";
    private const int Concurrency = 32;

    /// <exception cref="Catalog.Import.ImportFormatException">the file lacks one of the data set's columns.</exception>
    public Task<HistoryImportReport> ImportAsync(Stream seekableInput, CancellationToken cancellationToken = default) =>
        ImportAsync(seekableInput, endNow: false, cancellationToken);

    /// <param name="endNow">
    /// move the whole history forward by whole weeks so that it ends in the last week (<see cref="OnlineRetailHistory.EndingBefore"/>):
    /// an old data set then drives what looks at the recent past (churn training and scoring, campaign audiences, trending).
    /// </param>
    /// <exception cref="Catalog.Import.ImportFormatException">the file lacks one of the data set's columns.</exception>
    public async Task<HistoryImportReport> ImportAsync(Stream seekableInput, bool endNow, CancellationToken cancellationToken = default)
    {
        var history = await OnlineRetailHistory.ReadAsync(seekableInput, cancellationToken).ConfigureAwait(false);
        var shiftedDays = 0;
        if (endNow)
            history = history.EndingBefore(time.GetUtcNow().UtcDateTime, out shiftedDays);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellationToken };
        var customersCreated = 0;
        await Parallel.ForEachAsync(history.Customers, parallel, async (customer, token) =>
        {
            if (await customers.AddAsync(ToCustomer(customer), token).ConfigureAwait(false))
                Interlocked.Increment(ref customersCreated);
        }).ConfigureAwait(false);
        var ordersCreated = 0;
        await Parallel.ForEachAsync(history.Invoices, parallel, async (invoice, token) =>
        {
            if ((await orders.CreateAsync(ToOrder(invoice), token).ConfigureAwait(false)).Created)
                Interlocked.Increment(ref ordersCreated);
        }).ConfigureAwait(false);
        await compactor.DrainAsync(cancellationToken).ConfigureAwait(false);
        return new HistoryImportReport(
            history.Rows,
            history.Customers.Count,
            customersCreated,
            history.Invoices.Count,
            ordersCreated,
            history.Invoices.Sum(i => i.Lines.Count),
            history.Returns.Count,
            history.Skipped.Values.Sum(),
            history.Skipped,
            await InLakeAsync(cancellationToken).ConfigureAwait(false))
        {
            ShiftedDays = shiftedDays,
        };
    }

    private async Task<ImportedInLake> InLakeAsync(CancellationToken cancellationToken)
    {
        await using var session = await lake.OpenAsync(cancellationToken).ConfigureAwait(false);
        long Count(string sql)
        {
            using var command = session.Command(sql, PaymentMethod);
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        const string imported = "SELECT order_id FROM orders WHERE payment_method = $1";
        return new ImportedInLake(
            Count("SELECT count(*) FROM orders WHERE payment_method = $1"),
            Count($"SELECT count(*) FROM order_lines WHERE order_id IN ({imported})"),
            Count($"SELECT count(*) FROM events WHERE source = 'system' AND order_id IN ({imported})"));
    }

    public static Customer ToCustomer(HistoryCustomer customer)
    {
        var firstSeen = new DateTimeOffset(customer.FirstSeen, TimeSpan.Zero);
        return new Customer { Id = customer.Id, Country = customer.Country, CreatedAt = firstSeen, UpdatedAt = firstSeen };
    }

    public static Order ToOrder(HistoryInvoice invoice)
    {
        var at = new DateTimeOffset(invoice.At, TimeSpan.Zero);
        var lines = invoice.Lines.Select(l => new OrderLine(l.Sku, l.Name.Length > 0 ? l.Name : l.Sku, l.Quantity, l.UnitPrice, l.Quantity * l.UnitPrice)).ToList();
        return new Order
        {
            Id = invoice.InvoiceNo,
            CustomerId = invoice.CustomerId,
            Status = OrderStatus.Completed,
            Currency = OnlineRetailHistory.HistoryCurrency,
            Lines = lines,
            Total = lines.Sum(l => l.LineTotal),
            PaymentMethod = PaymentMethod,
            ShippingAddress = new ShippingAddress(null, null, null, null, null, invoice.Country),
            PlacedAt = at,
            PaidAt = at,
            CompletedAt = at,
            Timeline = [new TimelineEntry(at, "placed"), new TimelineEntry(at, "paid"), new TimelineEntry(at, "completed")],
            // A cancellation invoice can take back several lines of one order: number them within it.
            Returns = invoice.Returns
                .Select((r, i) => (Return: r, Number: invoice.Returns.Take(i).Count(earlier => earlier.ReturnId == r.ReturnId) + 1))
                .Select(r => new OrderReturn(r.Return.ReturnId, r.Number, new DateTimeOffset(r.Return.At, TimeSpan.Zero), r.Return.Sku,
                    r.Return.Name.Length > 0 ? r.Return.Name : r.Return.Sku, r.Return.Quantity, r.Return.UnitPrice, r.Return.Quantity * r.Return.UnitPrice))
                .ToList(),
        };
    }
}
