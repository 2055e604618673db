using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Commerce.Functions.Tests.Checkout;
using Commerce.Retention.Campaigns;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Retention;

/// <summary>
/// The retention engine on real history: an eighth of the Online Retail customers uploaded with `endNow=true`, so
/// that the year of 2010-2011 becomes the shop's last year, then the churn model trained and promoted over the admin
/// API, every active customer scored, and a campaign aimed at the high-risk band. Without moving the history
/// nobody has ordered in the last two horizons and there is nothing to train on.
/// </summary>
public sealed partial class ImportedHistoryRetentionTests : IAsyncLifetime
{
    private Shop _shop = null!;
    private HttpClient _admin = null!;
    private byte[] _subset = null!;

    /// <summary>Each kept customer's sale times (UTC, as in the file) by the test's own reading of the subset.</summary>
    private readonly Dictionary<string, List<DateTime>> _sales = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        _subset = Subset();
        _shop = await Shop.OpenAsync(new Dictionary<string, string>
        {
            ["Churn:RefreshInterval"] = "00:00:01",
            ["Notifications:QuietHours"] = "00:00-00:00",
            ["Campaigns:MessagesPerSecond"] = "1000",
            ["RateLimits:Enabled"] = "false",
        });
        _admin = _shop.Admin();
        _admin.Timeout = TimeSpan.FromMinutes(5);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _shop.DisposeAsync();
    }

    [Fact]
    public async Task History_moved_to_end_now_trains_the_churn_model_scores_the_active_customers_and_feeds_a_campaign()
    {
        var before = DateTime.UtcNow;
        using var upload = new ByteArrayContent(_subset);
        upload.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
        var imported = await _admin.PostAsync("/api/analytics/history?endNow=true", upload);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var report = (await imported.Content.ReadFromJsonAsync<JsonObject>())!;
        var shift = TimeSpan.FromDays((int)report["shiftedDays"]!);
        Assert.Equal(0, shift.Days % 7);
        var last = _sales.Values.SelectMany(t => t).Max() + shift;
        Assert.InRange(last, before.AddDays(-7), DateTime.UtcNow);

        // An imported order is stored at its time in the file, moved by the whole weeks.
        var (customer, times) = _sales.First(s => s.Value.Distinct().Count() is > 1 and < 50);
        using var mine = _shop.Customer(customer);
        var orders = (await mine.GetFromJsonAsync<JsonObject>("/api/orders?pageSize=100"))!["orders"]!.AsArray();
        Assert.Equal(times.Select(t => t + shift).Distinct().Order(), orders.Select(o => o!["placedAt"]!.GetValue<DateTimeOffset>().UtcDateTime).Distinct().Order());

        var trained = await _admin.PostAsync("/api/models/churn/train", null);
        var training = (await trained.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(trained.StatusCode == HttpStatusCode.OK, training.ToJsonString());
        Assert.True((bool)training["promoted"]!, training.ToJsonString());
        var version = (string)training["version"]!;

        var summary = (await Poll.UntilAsync(async () =>
        {
            var response = await _admin.GetAsync("/api/retention/risk");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<JsonObject>() : null;
        }, risk => (string?)risk?["modelVersion"] == version, TimeSpan.FromSeconds(120), "the customers to be scored with the trained model", TimeSpan.FromMilliseconds(200)))!;

        // Active means an order within the last 365 days; a day either side of that line is left to the day rounding.
        var now = DateTime.UtcNow;
        var lastSale = _sales.ToDictionary(s => s.Key, s => s.Value.Max() + shift, StringComparer.Ordinal);
        var surelyActive = lastSale.Where(s => s.Value > now.AddDays(-364)).Select(s => s.Key).ToList();
        var surelyNot = lastSale.Where(s => s.Value < now.AddDays(-367)).Select(s => s.Key).ToList();
        Assert.InRange((int)summary["customers"]!, surelyActive.Count, lastSale.Count - surelyNot.Count);
        Assert.True(surelyActive.Count > 300, $"{surelyActive.Count} active customers in the subset");

        var risks = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var id in surelyActive)
            risks[id] = (await _admin.GetFromJsonAsync<JsonObject>($"/api/retention/risk/{id}"))!;
        foreach (var id in surelyNot.Take(20))
            Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync($"/api/retention/risk/{id}")).StatusCode);
        // Customers whose last order is older are riskier: the model learned something from the moved history.
        var byRecency = surelyActive.OrderByDescending(id => lastSale[id]).ToList();
        double Mean(IEnumerable<string> ids) => ids.Average(id => (double)risks[id]["probability"]!);
        Assert.True(Mean(byRecency.Skip(byRecency.Count * 3 / 4)) > Mean(byRecency.Take(byRecency.Count / 4)) + 0.2);

        // A campaign aimed at the high band reaches exactly the customers scored high.
        Assert.Equal(HttpStatusCode.OK, (await _admin.PutAsJsonAsync("/api/retention/rules", new { rules = new object[] { new { id = "save", risk = "high", action = new { kind = "coupon", percentOff = 10, validDays = 14 } } } })).StatusCode);
        var started = await CampaignTests.StartCampaignAsync(_admin, new { name = "Win back the lapsing", measurementWindow = "00:00:02" });
        var campaignId = (string)(await started.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await Poll.UntilAsync(async () => (string?)(await _admin.GetFromJsonAsync<JsonObject>($"/api/retention/campaigns/{campaignId}"))!["status"], status => status == "completed",
            TimeSpan.FromSeconds(120), "the campaign to finish", TimeSpan.FromMilliseconds(200));
        var members = (await _shop.App.Services.GetRequiredService<CampaignStore>().MembersAsync(campaignId)).Select(m => m.CustomerId).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(members);
        Assert.All(risks.Where(r => (string?)r.Value["band"] == "high"), r => Assert.Contains(r.Key, members));
        Assert.All(risks.Where(r => (string?)r.Value["band"] != "high"), r => Assert.DoesNotContain(r.Key, members));
    }

    /// <summary>The file's lines of every customer whose id is a multiple of 8, and their sale times as the test reads them.</summary>
    private byte[] Subset()
    {
        using var input = new StreamReader(new GZipStream(File.OpenRead(OnlineRetailRecount.File), CompressionMode.Decompress));
        var output = new StringBuilder(input.ReadLine()).Append('\n');
        while (input.ReadLine() is { } line)
        {
            var match = Tail().Match(line);
            if (!match.Success || int.Parse(match.Groups["customer"].Value, CultureInfo.InvariantCulture) % 8 != 0)
                continue;
            output.Append(line).Append('\n');
            var fields = line.Split(',');
            var invoice = fields[0].Trim('"');
            var quantity = int.Parse(match.Groups["quantity"].Value, CultureInfo.InvariantCulture);
            var price = decimal.Parse(match.Groups["price"].Value, CultureInfo.InvariantCulture);
            var code = fields[1].Trim('"');
            if (invoice.StartsWith('C') || quantity <= 0 || price <= 0 || OnlineRetailRecount.NotGoods.Contains(code))
                continue;
            var at = OnlineRetailRecount.Utc(DateTime.Parse(match.Groups["time"].Value, CultureInfo.InvariantCulture));
            var customer = match.Groups["customer"].Value;
            if (!_sales.TryGetValue(customer, out var times))
                _sales[customer] = times = [];
            times.Add(at);
        }
        return Encoding.UTF8.GetBytes(output.ToString());
    }

    [GeneratedRegex("""(?<quantity>-?\d+),"(?<time>[^"]+)",(?<price>-?[\d.]+),(?<customer>\d+),"[^"]*"$""")]
    private static partial Regex Tail();
}
