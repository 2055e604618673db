namespace Commerce.Analytics.History;

/// <summary>A sale invoice of a known customer: one order. <see cref="At"/> is UTC.</summary>
/// <param name="Returns">the return lines booked against this invoice.</param>
public sealed record HistoryInvoice(string InvoiceNo, string CustomerId, string Country, DateTime At, IReadOnlyList<HistoryLine> Lines, IReadOnlyList<HistoryReturn> Returns);

public sealed record HistoryLine(string Sku, string Name, int Quantity, decimal UnitPrice);

/// <summary>
/// One line of a cancellation invoice matched to the sale it takes back: <see cref="Quantity"/> is positive
/// (the units returned), <see cref="OriginalInvoice"/> the sale.
/// </summary>
public sealed record HistoryReturn(string ReturnId, string CustomerId, string Country, DateTime At, string Sku, string Name, int Quantity, decimal UnitPrice, string OriginalInvoice);

/// <summary>Everyone with a customer id in the file, whether or not any of their lines are goods: their most frequent country, and when they first appear.</summary>
public sealed record HistoryCustomer(string Id, string Country, DateTime FirstSeen);

/// <summary>
/// Online Retail lines arranged as a shop's history: customers, sale invoices (orders) and cancellation
/// lines (returns), each cancellation line matched to the customer's latest earlier sale of the same
/// stock code that still has that many units not returned; a cancellation no sale in the data can account
/// for (its sale predates the data set) is skipped. Every line is either part of this history or
/// counted in <see cref="Skipped"/> under its reason. Times are converted from UK local time to UTC here,
/// the one place that knows the file's clock.
/// </summary>
public sealed class OnlineRetailHistory
{
    public const string NoCustomer = "no customer (guest checkout)";
    public const string NotGoods = "not goods (postage, fees, manual adjustments)";
    public const string NoPositivePrice = "no positive unit price";
    public const string ZeroQuantity = "zero quantity";
    public const string NegativeSale = "negative quantity outside a cancellation";
    public const string PositiveCancellation = "positive quantity in a cancellation";
    public const string UnmatchedReturn = "cancellation without a matching earlier sale";

    private static readonly TimeZoneInfo UkTime = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    private OnlineRetailHistory(IReadOnlyList<HistoryCustomer> customers, IReadOnlyList<HistoryInvoice> invoices, IReadOnlyList<HistoryReturn> returns, IReadOnlyDictionary<string, int> skipped, int rows)
    {
        Customers = customers;
        Invoices = invoices;
        Returns = returns;
        Skipped = skipped;
        Rows = rows;
    }

    public IReadOnlyList<HistoryCustomer> Customers { get; }

    /// <summary>Sale invoices, oldest first.</summary>
    public IReadOnlyList<HistoryInvoice> Invoices { get; }

    /// <summary>Every matched return line, oldest first.</summary>
    public IReadOnlyList<HistoryReturn> Returns { get; }

    /// <summary>Lines left out, by reason (malformed lines included when the reader reported them).</summary>
    public IReadOnlyDictionary<string, int> Skipped { get; }

    /// <summary>Every line seen, kept or skipped.</summary>
    public int Rows { get; }

    /// <summary>
    /// The same history moved forward by whole weeks (weekdays and times of day kept) so that its last sale or
    /// return falls within the week before <paramref name="now"/>: an old data set played as the shop's recent
    /// past. Unchanged when it already ends within that week or later.
    /// </summary>
    public OnlineRetailHistory EndingBefore(DateTime now, out int shiftedDays)
    {
        var last = Invoices.Select(i => i.At).Concat(Returns.Select(r => r.At)).DefaultIfEmpty(now).Max();
        var weeks = Math.Max(0, (int)Math.Floor((now - last).TotalDays / 7));
        shiftedDays = weeks * 7;
        if (weeks == 0)
            return this;
        var shift = TimeSpan.FromDays(shiftedDays);
        return new OnlineRetailHistory(
            [.. Customers.Select(c => c with { FirstSeen = c.FirstSeen + shift })],
            [.. Invoices.Select(i => i with { At = i.At + shift, Returns = [.. i.Returns.Select(r => r with { At = r.At + shift })] })],
            [.. Returns.Select(r => r with { At = r.At + shift })],
            Skipped,
            Rows);
    }

    /// <summary>The file's UK local time as UTC; a time in the spring-forward gap is read as the hour after it.</summary>
    public static DateTime ToUtc(DateTime ukLocal)
    {
        var local = DateTime.SpecifyKind(ukLocal, DateTimeKind.Unspecified);
        if (UkTime.IsInvalidTime(local))
            local = local.AddHours(1);
        return TimeZoneInfo.ConvertTimeToUtc(local, UkTime);
    }

    /// <summary>Why a line is not part of the history, or null when it is a sale or a return of goods by a known customer.</summary>
    public static string? SkipReason(OnlineRetailLine line) => line switch
    {
        { CustomerId: null } => NoCustomer,
        { IsProduct: false } => NotGoods,
        { UnitPrice: <= 0 } => NoPositivePrice,
        { Quantity: 0 } => ZeroQuantity,
        { IsCancellation: false, Quantity: < 0 } => NegativeSale,
        { IsCancellation: true, Quantity: > 0 } => PositiveCancellation,
        _ => null,
    };

    /// <param name="malformed">lines the reader could not parse, by reason; they count as skipped rows.</param>
    public static OnlineRetailHistory From(IEnumerable<OnlineRetailLine> lines, IReadOnlyDictionary<string, int>? malformed = null)
    {
        var skipped = new Dictionary<string, int>(malformed ?? new Dictionary<string, int>(), StringComparer.Ordinal);
        var rows = skipped.Values.Sum();
        var sales = new Dictionary<string, (OnlineRetailLine First, List<HistoryLine> Lines)>(StringComparer.Ordinal);
        var cancellations = new List<OnlineRetailLine>();
        var countries = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var firstSeen = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            rows++;
            if (line.CustomerId is { } customer)
            {
                var seen = countries.TryGetValue(customer, out var byCountry) ? byCountry : countries[customer] = new(StringComparer.Ordinal);
                seen[line.Country] = seen.GetValueOrDefault(line.Country) + 1;
                var at = ToUtc(line.InvoiceDate);
                firstSeen[customer] = firstSeen.TryGetValue(customer, out var earlier) && earlier < at ? earlier : at;
            }
            if (SkipReason(line) is { } reason)
            {
                skipped[reason] = skipped.GetValueOrDefault(reason) + 1;
                continue;
            }
            if (line.IsCancellation)
            {
                cancellations.Add(line);
                continue;
            }
            if (!sales.TryGetValue(line.InvoiceNo, out var invoice))
                sales[line.InvoiceNo] = invoice = (line, []);
            else if (line.InvoiceDate < invoice.First.InvoiceDate)
                sales[line.InvoiceNo] = invoice = (line, invoice.Lines);
            invoice.Lines.Add(new HistoryLine(line.StockCode, line.Description, line.Quantity, line.UnitPrice));
        }

        var sold = sales.Values
            .Select(s => (s.First.InvoiceNo, CustomerId: s.First.CustomerId!, s.First.Country, At: ToUtc(s.First.InvoiceDate), s.Lines))
            .OrderBy(i => i.At).ThenBy(i => i.InvoiceNo, StringComparer.Ordinal)
            .ToList();
        var returns = MatchReturns(sold, cancellations, out var unmatched);
        if (unmatched > 0)
            skipped[UnmatchedReturn] = unmatched;
        var returnsOf = returns.ToLookup(r => r.OriginalInvoice, StringComparer.Ordinal);
        var invoices = sold.Select(i => new HistoryInvoice(i.InvoiceNo, i.CustomerId, i.Country, i.At, i.Lines, returnsOf[i.InvoiceNo].ToList())).ToList();

        var customers = countries
            .Select(c => new HistoryCustomer(c.Key, c.Value.OrderByDescending(v => v.Value).ThenBy(v => v.Key, StringComparer.Ordinal).First().Key, firstSeen[c.Key]))
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .ToList();
        return new OnlineRetailHistory(customers, invoices, returns, skipped, rows);
    }

    /// <summary>Reads a plain or gzip CSV file and arranges it.</summary>
    public static async Task<OnlineRetailHistory> ReadAsync(Stream seekableInput, CancellationToken cancellationToken = default)
    {
        var malformed = new Dictionary<string, int>(StringComparer.Ordinal);
        var lines = new List<OnlineRetailLine>(capacity: 1 << 16);
        await foreach (var line in OnlineRetailFile.ReadAsync(seekableInput, reason => malformed[reason] = malformed.GetValueOrDefault(reason) + 1, cancellationToken).ConfigureAwait(false))
            lines.Add(line);
        return From(lines, malformed);
    }

    /// <summary>The customer order lines features and models learn from: every sale line, and every return line as a negative quantity.</summary>
    public IEnumerable<Purchase> Purchases()
    {
        var sales = Invoices.SelectMany(i => i.Lines.Select(l =>
            new Purchase(i.CustomerId, i.InvoiceNo, l.Sku, l.Quantity, l.UnitPrice, i.At, i.Country) { Name = l.Name }));
        var returns = Returns.Select(r =>
            new Purchase(r.CustomerId, r.ReturnId, r.Sku, -r.Quantity, r.UnitPrice, r.At, r.Country) { Name = r.Name, ReturnOf = r.OriginalInvoice });
        return sales.Concat(returns);
    }

    /// <summary>Online Retail's prices are in pounds sterling.</summary>
    public const string HistoryCurrency = "GBP";

    private static List<HistoryReturn> MatchReturns(
        List<(string InvoiceNo, string CustomerId, string Country, DateTime At, List<HistoryLine> Lines)> invoices, List<OnlineRetailLine> cancellations, out int unmatched)
    {
        unmatched = 0;
        // Units of each (invoice, stock code) not returned yet; each customer's invoices newest first.
        var returnable = new Dictionary<(string Invoice, string Sku), int>();
        foreach (var invoice in invoices)
        {
            foreach (var line in invoice.Lines)
                returnable[(invoice.InvoiceNo, line.Sku)] = returnable.GetValueOrDefault((invoice.InvoiceNo, line.Sku)) + line.Quantity;
        }
        var byCustomer = invoices.GroupBy(i => i.CustomerId).ToDictionary(g => g.Key, g => g.OrderByDescending(i => i.At).ToList(), StringComparer.Ordinal);

        var returns = new List<HistoryReturn>(cancellations.Count);
        foreach (var line in cancellations.OrderBy(c => c.InvoiceDate).ThenBy(c => c.InvoiceNo, StringComparer.Ordinal))
        {
            var at = ToUtc(line.InvoiceDate);
            var units = -line.Quantity;
            var original = byCustomer.GetValueOrDefault(line.CustomerId!)?
                .Where(i => i.At <= at && returnable.GetValueOrDefault((i.InvoiceNo, line.StockCode)) >= units)
                .Select(i => i.InvoiceNo)
                .FirstOrDefault();
            if (original is null)
            {
                unmatched++;
                continue;
            }
            returnable[(original, line.StockCode)] -= units;
            returns.Add(new HistoryReturn(line.InvoiceNo, line.CustomerId!, line.Country, at, line.StockCode, line.Description, units, line.UnitPrice, original));
        }
        return returns;
    }
}
