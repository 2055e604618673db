using System.Text.Json.Nodes;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Analytics;

/// <summary>`import-history` and `customer-insights` as an operator runs them, in their own processes on one data folder.</summary>
public sealed class HistoryCommandTests
{
    private const string Csv = """
        InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
        600001,A1,RED MUG,6,2011-01-10T09:00:00,2.50,100,France
        600002,A1,RED MUG,4,2011-07-01T15:30:00,2.10,100,France
        600003,B2,BLUE BOWL,200,2011-07-03T11:00:00,3.00,200,Germany
        600004,B2,BLUE BOWL,1,2011-11-20T11:00:00,3.00,300,Spain
        C600005,A1,RED MUG,-3,2011-07-05T12:00:00,2.10,100,France
        """;

    private static async Task<string> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        await using var run = AppProcess.Start(arguments, environment);
        Assert.True(await run.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, run.StandardError);
        return run.StandardOutput;
    }

    [Fact]
    public async Task Importing_twice_creates_once_and_the_insights_command_prints_the_segments_it_stored()
    {
        using var data = new TempDirectory();
        var file = Path.Combine(data.Path, "history.csv");
        await File.WriteAllTextAsync(file, Csv);
        var environment = new Dictionary<string, string?> { ["Storage__DataDirectory"] = Path.Combine(data.Path, "app"), ["Catalog__SeedDemoData"] = "false" };

        static JsonObject Report(string output) => JsonNode.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last())!.AsObject();
        var first = Report(await RunAsync(environment, "import-history", "--file", file));
        var second = Report(await RunAsync(environment, "import-history", "--file", file));

        Assert.Equal((3, 4), ((int)first["customersCreated"]!, (int)first["ordersCreated"]!));
        Assert.Equal((0, 0), ((int)second["customersCreated"]!, (int)second["ordersCreated"]!));
        Assert.Equal(first["lake"]!.ToJsonString(), second["lake"]!.ToJsonString());
        Assert.Equal(4, (int)second["lake"]!["orders"]!);

        // As of 10 December 2011 (UTC): 300 bought once 19.5 days before, 100 twice (the last 161.4 days before, net of a
        // return of 6.30), 200 once 159.6 days before.
        var insights = await RunAsync(environment, "customer-insights", "--as-of", "2011-12-10", "--from", "2011-08-01", "--sample", "3");
        Assert.Contains("Customers with orders before 2011-12-10: 3", insights);
        Assert.Contains("| 300 | 19, 1, 3.00 |", insights);
        Assert.Contains("| 100 | 161, 2, 17.10 |", insights);
        Assert.Contains("| 200 | 159, 1, 600.00 |", insights);
        Assert.Contains("new customers: 1", insights);

        var badDate = AppProcess.Start(["customer-insights", "--as-of", "10/12/2011"], environment);
        await using (badDate)
            Assert.Equal(64, await badDate.WaitForExitAsync(TimeSpan.FromMinutes(2)));
    }
}
