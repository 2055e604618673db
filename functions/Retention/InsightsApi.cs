using System.ComponentModel;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using Commerce.Analytics.Features;
using Commerce.Hosting;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Retention.Risk;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Retention;

/// <summary>A customer's insights as the back office sees them: the stored insights and the churn risk the live model last gave them.</summary>
public sealed record CustomerInsightsWithRisk(
    CustomerFeatures Features,
    DateTimeOffset ComputedAt,
    [property: Description("The churn risk the live model last gave this customer: probability, band, reasons in words, model version and when. Null until the customer is scored (only customers with an order in the last year are).")]
    ChurnRisk? ChurnRisk);

/// <summary>
/// Customer insights (features, RFM segment, lifecycle stage, membership tier): admins see anyone's with their churn
/// risk, customers their own without it (a shop does not tell a customer it expects them to leave, nor why).
/// </summary>
public static class InsightsApi
{
    public const string RecomputeFunction = "RecomputeCustomerInsights";

    public static FunctionCatalog MapInsightsApi(this FunctionCatalog functions)
    {
        functions.AddHttp("GetMyInsights", "customers/me/insights", ["GET"], GetMine,
            configure: e => e.RequireCustomer().WithSummary("Your features, segment, lifecycle stage and membership tier, as last computed."));
        functions.AddHttp("GetCustomerInsights", "customers/{id}/insights", ["GET"], GetCustomer,
            configure: e => e.RequireAdmin()
                .WithSummary("A customer's features, segment, lifecycle stage and membership tier, as last computed, with their churn risk.")
                .WithDescription("'churnRisk' is the live churn model's last score of the customer (probability, band, reasons in words, model version, when); null when the customer has not been scored yet."));
        return functions;
    }

    public static async Task<Results<Ok<CustomerInsights>, NotFound>> GetMine(ClaimsPrincipal user, CustomerInsightsService insights, CancellationToken cancellationToken) =>
        await insights.GetAsync(user.SubjectId()!, cancellationToken) is { } found ? TypedResults.Ok(found) : TypedResults.NotFound();

    public static async Task<Results<Ok<CustomerInsightsWithRisk>, NotFound>> GetCustomer(string id, CustomerInsightsService insights, ChurnRiskStore risks, CancellationToken cancellationToken)
    {
        if (await insights.GetAsync(id, cancellationToken) is not { } found)
            return TypedResults.NotFound();
        return TypedResults.Ok(new CustomerInsightsWithRisk(found.Features, found.ComputedAt, await risks.GetAsync(id, cancellationToken)));
    }

    /// <summary>
    /// `customer-insights [--as-of yyyy-MM-dd] [--from yyyy-MM-dd] [--sample N]`: computes and stores every customer's
    /// insights from the lake as the nightly timer does (as of now by default), and prints segment sizes, movement
    /// since --from, lifecycle stages, tiers and a sample of customers' features as Markdown.
    /// </summary>
    public static async Task<int> InsightsCommandAsync(string[] arguments, IServiceProvider services, TextWriter output)
    {
        var options = CommandArguments.Parse(arguments);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        if (!options.TryGet("as-of", now, CommandArguments.UtcDay, out var asOf)
            || !options.TryGet("from", asOf.AddDays(-90), CommandArguments.UtcDay, out var from)
            || !options.TryGet("sample", 5, s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null, out var sample))
        {
            await Console.Error.WriteLineAsync("customer-insights [--as-of yyyy-MM-dd] [--from yyyy-MM-dd] [--sample N]");
            return 64;
        }
        var run = await services.GetRequiredService<CustomerInsightsService>().RecomputeAllAsync(asOf);
        var report = await services.GetRequiredService<SegmentAnalysis>().CompareAsync(from, asOf);
        await output.WriteAsync(Markdown(run, report, sample));
        return 0;
    }

    private static string Markdown(InsightsRun run, SegmentReport report, int sample)
    {
        var text = new StringBuilder();
        var customers = run.Features.Customers;
        string Money(decimal value) => value.ToString("#,0.00", CultureInfo.InvariantCulture);
        string Count(int value) => value.ToString("#,0", CultureInfo.InvariantCulture);
        text.AppendLine(CultureInfo.InvariantCulture, $"Customers with orders before {run.AsOf:yyyy-MM-dd}: {Count(customers.Count)}; membership tiers changed: {run.TiersChanged}");
        text.AppendLine();
        text.AppendLine($"| segment | customers | share | net spend ({report.Currency}) | customers {report.From:yyyy-MM-dd} |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var size in report.Segments.OrderByDescending(s => s.Customers))
            text.AppendLine(CultureInfo.InvariantCulture, $"| {size.Name} | {Count(size.Customers)} | {size.Share:P1} | {Money(size.Value)} | {Count(report.Movement.Where(m => m.From == size.Segment).Sum(m => m.Customers))} |");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Staying in their segment since {report.From:yyyy-MM-dd}: {Count(report.Movement.Where(m => m.From == m.To).Sum(m => m.Customers))}; moved: {Count(report.Movement.Where(m => m.From is not null && m.From != m.To).Sum(m => m.Customers))}; new customers: {Count(report.Movement.Where(m => m.From is null).Sum(m => m.Customers))}");
        text.AppendLine();
        text.AppendLine("| lifecycle stage | customers |   | membership tier | customers |");
        text.AppendLine("|---|---:|---|---|---:|");
        var stages = customers.GroupBy(c => c.Stage).OrderBy(g => g.Key).Select(g => (g.Key.ToString(), g.Count())).ToList();
        var tiers = customers.GroupBy(c => c.Tier).OrderBy(g => g.Key).Select(g => (g.Key.ToString(), g.Count())).ToList();
        for (var i = 0; i < Math.Max(stages.Count, tiers.Count); i++)
            text.AppendLine(CultureInfo.InvariantCulture, $"| {(i < stages.Count ? stages[i].Item1 : "")} | {(i < stages.Count ? Count(stages[i].Item2) : "")} |   | {(i < tiers.Count ? tiers[i].Item1 : "")} | {(i < tiers.Count ? Count(tiers[i].Item2) : "")} |");
        text.AppendLine();
        text.AppendLine("| customer | R/F/M days, orders, net | scores | segment | stage | tier | AOV | gap mean/last | trend | returns | relative price | top interests |");
        text.AppendLine("|---|---|---|---|---|---|---:|---|---:|---:|---:|---|");
        foreach (var c in customers.Where((_, i) => sample > 0 && i % Math.Max(1, customers.Count / sample) == 0).Take(sample))
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {c.CustomerId} | {c.RecencyDays}, {c.Frequency}, {Money(c.Monetary)} | {c.RecencyScore}{c.FrequencyScore}{c.MonetaryScore} | {RfmSegments.DisplayName(c.Segment)} | {c.Stage} | {c.Tier} | {Money(c.AverageOrderValue)} | {c.MeanGapDays:0.#}/{c.LastGapDays:0.#} | {c.PurchaseTrend:0.00} | {c.ReturnsShare:P1} | {c.RelativePrice:0.00} | {string.Join(", ", c.Interests.Take(3).Select(i => i.Tag))} |");
        return text.ToString();
    }
}
