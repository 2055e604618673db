using System.Text;
using Commerce.Analytics.Features;
using Commerce.Events.Outbox;
using Commerce.Storage.Documents;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commerce.Analytics.Tests.Features;

/// <summary>Segment and stage changes of stored customers, recorded by the insights recomputation as it stores them.</summary>
public sealed class CustomerEventsTests : IDisposable
{
    // Six customers with different rhythms through 2011, two of them coming back late in the year, so that recency,
    // stages and the population's RFM quintiles move between the dates the insights are computed at.
    private const string Csv = """
        InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
        600001,A1,RED MUG,6,2011-01-10T09:00:00,2.50,101,France
        600002,A1,RED MUG,4,2011-02-10T09:00:00,2.50,101,France
        600003,A1,RED MUG,4,2011-03-10T09:00:00,2.50,101,France
        600004,A1,RED MUG,4,2011-04-10T09:00:00,2.50,101,France
        600005,B2,BLUE BOWL,20,2011-01-15T10:00:00,4.00,102,Germany
        600006,B2,BLUE BOWL,30,2011-06-15T10:00:00,4.00,102,Germany
        600007,C3,GREEN JUG,1,2011-03-01T11:00:00,3.00,103,Spain
        600008,C3,GREEN JUG,2,2011-05-20T11:00:00,3.00,104,Spain
        600009,C3,GREEN JUG,2,2011-05-27T11:00:00,3.00,104,Spain
        600010,C3,GREEN JUG,2,2011-06-03T11:00:00,3.00,104,Spain
        600011,A1,RED MUG,50,2011-02-01T12:00:00,2.00,105,Italy
        600012,B2,BLUE BOWL,1,2011-06-20T12:00:00,4.00,106,Italy
        600013,C3,GREEN JUG,10,2011-09-01T11:00:00,3.00,103,Spain
        600014,C3,GREEN JUG,10,2011-09-20T11:00:00,3.00,103,Spain
        600015,A1,RED MUG,80,2011-11-01T12:00:00,2.00,105,Italy
        """;

    private static readonly DateTime[] AsOf = [new(2011, 7, 1), new(2011, 7, 1), new(2011, 8, 15), new(2011, 10, 1), new(2011, 12, 1)];

    private readonly LakeStack _stack = new();
    private readonly CustomerInsightsService _insights;

    public CustomerEventsTests() =>
        _insights = new CustomerInsightsService(_stack.Documents, _stack.Outbox, _stack.Lake, _stack.Writer, _stack.Customers,
            new CustomerFeatureBuilder(new FeatureSettings()), _stack.Time, NullLogger<CustomerInsightsService>.Instance);

    public void Dispose() => _stack.Dispose();

    private async Task<List<SystemEvent>> ChangesAsync(IEnumerable<string> customers)
    {
        var all = new List<SystemEvent>();
        foreach (var customer in customers)
            all.AddRange((await _stack.Outbox.ReadAsync(CustomerEvents.Subject(customer)))
                .Where(e => e.Type is SystemEventTypes.CustomerSegmentChanged or SystemEventTypes.CustomerStageChanged));
        return all;
    }

    /// <summary>Each run's (customer, segment, stage), as the runs themselves report them.</summary>
    private async Task<List<Dictionary<string, (string Segment, string Stage)>>> RunAsync(IEnumerable<DateTime> dates)
    {
        var runs = new List<Dictionary<string, (string, string)>>();
        foreach (var asOf in dates)
        {
            var run = await _insights.RecomputeAllAsync(asOf);
            runs.Add(run.Features.Customers.ToDictionary(f => f.CustomerId, f => (f.Segment.ToString(), f.Stage.ToString())));
        }
        return runs;
    }

    [Fact]
    public async Task Each_change_of_a_stored_customers_segment_or_stage_is_one_event_and_a_first_computation_or_a_rerun_is_none()
    {
        await _stack.Importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(Csv)));

        var runs = await RunAsync(AsOf);

        // The recount: between consecutive runs, every customer in both whose segment or stage differs.
        var expected = new List<(string Type, string Customer, string From, string To)>();
        foreach (var (before, after) in runs.Zip(runs.Skip(1)))
            foreach (var (customer, now) in after.Where(a => before.ContainsKey(a.Key)))
            {
                var then = before[customer];
                if (then.Segment != now.Segment)
                    expected.Add((SystemEventTypes.CustomerSegmentChanged, customer, then.Segment, now.Segment));
                if (then.Stage != now.Stage)
                    expected.Add((SystemEventTypes.CustomerStageChanged, customer, then.Stage, now.Stage));
            }
        var recorded = await ChangesAsync(runs.SelectMany(r => r.Keys).Distinct());

        Assert.Equal(6, runs[0].Count);
        Assert.Contains(expected, e => e.Type == SystemEventTypes.CustomerStageChanged);
        Assert.Contains(expected, e => e.Type == SystemEventTypes.CustomerSegmentChanged);
        Assert.Equal(expected.Order(), recorded.Select(e => (e.Type, e.CustomerId!, e.From!, e.To!)).Order());
        Assert.All(recorded, e => Assert.Equal($"customer:{e.CustomerId}", e.Subject));
        Assert.Equal(recorded.Count, recorded.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public async Task A_recomputation_repeated_after_a_crash_before_the_insights_were_stored_records_its_changes_once()
    {
        await _stack.Importer.ImportAsync(new MemoryStream(Encoding.UTF8.GetBytes(Csv)));
        var first = await RunAsync([AsOf[0]]);
        var customers = first[0].Keys.ToList();
        var container = await _stack.Documents.GetContainerAsync(CustomerInsightsService.Container);
        var stored = new Dictionary<string, CustomerInsights>();
        foreach (var id in customers)
            stored[id] = (await container.ReadAsync<CustomerInsights>(id, "latest"))!.Value.Value;

        await RunAsync([AsOf[^1]]);
        var recorded = await ChangesAsync(customers);
        // What a crash after the events were recorded and before the new insights were written leaves: the insights before.
        foreach (var (id, insights) in stored)
            await container.UpsertAsync(id, "latest", insights);
        await RunAsync([AsOf[^1]]);

        Assert.NotEmpty(recorded);
        Assert.Equal(recorded.Select(e => e.Id), (await ChangesAsync(customers)).Select(e => e.Id));
    }
}
