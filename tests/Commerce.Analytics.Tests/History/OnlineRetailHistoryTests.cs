using Commerce.Analytics.History;
using Commerce.Testing;

namespace Commerce.Analytics.Tests.History;

[Collection(OnlineRetailCollection.Name)]
public sealed class OnlineRetailHistoryTests(OnlineRetailData data)
{
    [Fact]
    public void Every_row_is_a_sale_a_matched_return_or_skipped_for_its_reason_as_a_plain_recount_finds()
    {
        var history = data.History;
        var raw = data.Raw;
        bool Goods(RawRow r) => !OnlineRetailRecount.NotGoods.Contains(r.Code);
        var known = raw.Where(r => r.Customer.Length > 0).ToList();
        var sales = data.RawSales;
        var matched = data.RawMatchedReturns.Count;
        var cancellations = data.RawCancellations;

        Assert.Equal(raw.Count, history.Rows);
        Assert.Equal(known.Select(r => r.Customer).Distinct().Count(), history.Customers.Count);
        Assert.Equal(raw.Count(r => r.Customer.Length == 0), history.Skipped[OnlineRetailHistory.NoCustomer]);
        Assert.Equal(known.Count(r => !Goods(r)), history.Skipped[OnlineRetailHistory.NotGoods]);
        Assert.Equal(sales.Select(r => r.Invoice).Distinct().Count(), history.Invoices.Count);
        Assert.Equal(sales.Count, history.Invoices.Sum(i => i.Lines.Count));
        Assert.Equal(matched, history.Returns.Count);
        Assert.Equal(cancellations.Count - matched, history.Skipped[OnlineRetailHistory.UnmatchedReturn]);
        Assert.Equal(raw.Count, sales.Count + matched + history.Skipped.Values.Sum());
        Assert.Equal(history.Returns.Count, history.Invoices.Sum(i => i.Returns.Count));
        Assert.Equal(sales.Sum(r => r.Quantity * r.Price), history.Invoices.Sum(i => i.Lines.Sum(l => l.Quantity * l.UnitPrice)));
        Assert.All(history.Returns, r => Assert.True(history.Invoices.Single(i => i.InvoiceNo == r.OriginalInvoice).At <= r.At));
    }

    [Fact]
    public void Customers_carry_their_most_frequent_country_and_times_are_utc()
    {
        var history = data.History;
        var sample = history.Customers.Where((_, i) => i % 97 == 0).ToList();
        foreach (var customer in sample)
        {
            var rows = data.Raw.Where(r => r.Customer == customer.Id).ToList();
            var country = rows.GroupBy(r => r.Country).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
            Assert.Equal(country, customer.Country);
        }

        // 536365 was invoiced at 08:26 UK time in December (GMT, UTC+0); June is in British Summer Time (UTC+1).
        var winter = history.Invoices.Single(i => i.InvoiceNo == "536365");
        Assert.Equal(new DateTime(2010, 12, 1, 8, 26, 0), winter.At);
        var summerRow = data.Raw.First(r => r.UkTime.Month == 6 && r.Customer.Length > 0 && r.Quantity > 0 && !r.Invoice.StartsWith('C') && r.Price > 0 && !OnlineRetailRecount.NotGoods.Contains(r.Code));
        var summer = history.Invoices.Single(i => i.InvoiceNo == summerRow.Invoice);
        Assert.Equal(OnlineRetailRecount.Utc(summerRow.UkTime), summer.At);
        Assert.Equal(summerRow.UkTime.AddHours(-1), summer.At);
        Assert.Equal(DateTimeKind.Utc, summer.At.Kind);
    }

    [Fact]
    public void Purchase_history_holds_every_sale_and_matched_return_at_its_utc_time()
    {
        var purchases = data.Purchases;
        Assert.Equal(data.History.Invoices.Sum(i => i.Lines.Count), purchases.Sales.Count());
        var returns = purchases.Lines.Where(p => p.IsReturn).ToList();
        Assert.Equal(data.History.Returns.Count, returns.Count);
        Assert.All(returns, r => Assert.NotNull(r.ReturnOf));
        Assert.Equal(data.History.Returns.Sum(r => r.Quantity * r.UnitPrice), -returns.Sum(r => r.Amount));
        Assert.Equal(purchases.Lines.OrderBy(p => p.At).Select(p => p.At), purchases.Lines.Select(p => p.At));
    }
}
