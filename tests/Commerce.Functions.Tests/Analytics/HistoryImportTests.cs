using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Analytics.Lake;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Analytics;

[Collection(OnlineRetailHistoryCollection.Name)]
public sealed class HistoryImportTests(OnlineRetailHistoryFixture history)
{
    private readonly OnlineRetailRecount _recount = history.Recount;

    private async Task<T> LakeAsync<T>(string sql)
    {
        await using var lake = await history.App.Services.GetRequiredService<Lake>().OpenAsync();
        using var command = lake.Command(sql);
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void The_report_counts_what_a_plain_recount_of_the_file_finds()
    {
        var report = history.Report;
        var customers = _recount.Raw.Where(r => r.Customer.Length > 0).Select(r => r.Customer).Distinct().Count();
        var invoices = _recount.Sales.Select(r => r.Invoice).Distinct().Count();
        Assert.Equal(_recount.Raw.Count, (int)report["rows"]!);
        Assert.Equal((customers, customers), ((int)report["customers"]!, (int)report["customersCreated"]!));
        Assert.Equal((invoices, invoices), ((int)report["orders"]!, (int)report["ordersCreated"]!));
        Assert.Equal(_recount.Sales.Count, (int)report["orderLines"]!);
        Assert.Equal(_recount.MatchedReturns.Count, (int)report["returns"]!);
        Assert.Equal(_recount.Raw.Count(r => r.Customer.Length == 0), (int)report["skipReasons"]!["no customer (guest checkout)"]!);
        Assert.Equal(_recount.Cancellations.Count - _recount.MatchedReturns.Count, (int)report["skipReasons"]!["cancellation without a matching earlier sale"]!);
        Assert.Equal(_recount.Raw.Count, _recount.Sales.Count + _recount.MatchedReturns.Count + (int)report["skipped"]!);
        // Placed, paid and completed for every order, and a refund per matched return.
        Assert.Equal(invoices, (int)report["lake"]!["orders"]!);
        Assert.Equal(3 * invoices + _recount.MatchedReturns.Count, (int)report["lake"]!["events"]!);
        Assert.Equal(_recount.Sales.Count + _recount.MatchedReturns.Count, (int)report["lake"]!["orderLines"]!);
    }

    [Fact]
    public async Task The_lake_holds_every_sale_and_return_at_its_utc_day_as_the_recount_has_them()
    {
        var byMonth = _recount.Sales.GroupBy(r => OnlineRetailRecount.Utc(_recount.InvoiceTime[r.Invoice]).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Sum(r => r.Quantity * r.Price));
        await using var lake = await history.App.Services.GetRequiredService<Lake>().OpenAsync();
        using var command = lake.Command("SELECT strftime(booked_at, '%Y-%m'), sum(amount) FROM order_lines WHERE kind = 'sale' GROUP BY 1 ORDER BY 1");
        using var reader = command.ExecuteReader();
        var fromLake = new Dictionary<string, decimal>();
        while (reader.Read())
            fromLake[reader.GetString(0)] = reader.GetDecimal(1);
        Assert.Equal(byMonth.OrderBy(m => m.Key), fromLake.OrderBy(m => m.Key));
        Assert.Equal(_recount.MatchedReturns.Sum(r => r.Quantity * r.Price), await LakeAsync<decimal>("SELECT sum(amount) FROM order_lines WHERE kind = 'return'"));
        // The insights run left a snapshot of every account, tiers included.
        Assert.Equal(_recount.Raw.Where(r => r.Customer.Length > 0).Select(r => r.Customer).Distinct().Count(), await LakeAsync<long>("SELECT count(DISTINCT customer_id) FROM customers"));
        Assert.True(await LakeAsync<long>("SELECT count(*) FROM customers WHERE membership_tier = 'Platinum'") > 0);
        // 536365 was invoiced on 1 December 2010 at 08:26 UK time, which is UTC in winter.
        Assert.Equal("2010-12-01 08:26:00", await LakeAsync<string>("SELECT CAST(placed_at AS VARCHAR) FROM orders WHERE order_id = '536365' AND date = DATE '2010-12-01'"));
    }

    [Fact]
    public async Task Imported_orders_are_real_orders_of_their_customers_through_the_orders_api()
    {
        var customer = _recount.Sales.GroupBy(r => r.Customer).OrderBy(g => g.Key, StringComparer.Ordinal).Skip(7).First();
        var invoices = customer.Select(r => r.Invoice).Distinct().ToList();
        using var mine = history.App.ClientFor(customer.Key);

        var listed = new List<string>();
        string? token = null;
        do
        {
            var page = (await mine.GetFromJsonAsync<JsonObject>($"/api/orders?pageSize=100{(token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token))}"))!;
            listed.AddRange(page["orders"]!.AsArray().Select(o => (string)o!["id"]!));
            token = (string?)page["continuationToken"];
        }
        while (token is not null);
        Assert.Equal(invoices.Order(), listed.Order());

        var order = (await mine.GetFromJsonAsync<JsonObject>($"/api/orders/{invoices[0]}"))!;
        Assert.Equal("Completed", (string)order["status"]!);
        Assert.Equal(customer.Where(r => r.Invoice == invoices[0]).Sum(r => r.Quantity * r.Price), (decimal)order["total"]!);

        // A matched cancellation shows on the order it took goods back from.
        var returned = _recount.MatchedReturns[0];
        using var theirs = history.App.ClientFor(returned.Customer);
        var withReturn = await Task.WhenAll(_recount.Sales.Where(r => r.Customer == returned.Customer && r.Code == returned.Code).Select(r => r.Invoice).Distinct()
            .Select(id => theirs.GetFromJsonAsync<JsonObject>($"/api/orders/{id}")));
        var shown = withReturn.SelectMany(o => o!["returns"]!.AsArray()).Where(r => (string)r!["returnId"]! == returned.Invoice && (string)r["sku"]! == returned.Code).ToList();
        Assert.Equal(-returned.Quantity, (int)Assert.Single(shown)!["quantity"]!);
    }

    [Fact]
    public async Task Only_admins_import_and_a_file_without_the_columns_or_an_empty_body_is_a_400_that_changes_nothing()
    {
        var before = await LakeAsync<long>("SELECT count(*) FROM orders");
        using var customer = history.App.ClientFor("12347");
        var forbidden = await customer.PostAsync("/api/analytics/history", new StringContent("InvoiceNo\n1\n", Encoding.UTF8, "text/csv"));
        using var admin = history.Admin();
        var bad = await admin.PostAsync("/api/analytics/history", new StringContent("InvoiceNo,StockCode\n1,A\n", Encoding.UTF8, "text/csv"));
        var empty = await admin.PostAsync("/api/analytics/history", new StringContent("", Encoding.UTF8, "text/csv"));

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        foreach (var refused in new[] { bad, empty })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.Contains("csv", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key));
        }
        Assert.Equal(before, await LakeAsync<long>("SELECT count(*) FROM orders"));
    }
}
