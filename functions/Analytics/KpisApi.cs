using System.Globalization;
using System.Text;
using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Analytics.Kpis;
using Commerce.Catalog.Pricing;
using Commerce.Functions.Http;
using Commerce.Hosting;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Storage.Documents;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Analytics;

/// <param name="Month">yyyy-MM.</param>
/// <param name="Channel">the acquisition channel (search, social, affiliates, ...).</param>
/// <param name="Amount">spend in <paramref name="Currency"/>, which must be the shop's currency (the default).</param>
public sealed record AcquisitionSpendEntry(string? Month, string? Channel, decimal? Amount, string? Currency);

/// <param name="Entries">each sets that month and channel's spend, replacing what it had.</param>
public sealed record AcquisitionSpendRequest(IReadOnlyList<AcquisitionSpendEntry>? Entries);

/// <summary>The shop's KPIs against the industry bands, acquisition cohorts, and the acquisition spend CAC is computed from (admin).</summary>
public static class KpisApi
{
    private const int DefaultWindowDays = 90;
    private const int MaxSpendEntries = 500;

    public static FunctionCatalog MapKpisApi(this FunctionCatalog functions)
    {
        functions.AddHttp("GetKpis", "analytics/kpis", ["GET"], GetKpis, configure: e => e
            .RequireAdmin()
            .WithSummary("Retention (next-day, 7-day, 30-day), repeat purchase, recommendation CTR, AOV, CAC, payment success by channel with failure reasons, processing time p50/p95, 12-month LTV, LTV/CAC and churn over [from, to), each with its industry band; 'to' defaults to the day after the last order, 'from' to 90 days before. 'segment' and 'customerType' narrow the customers."));
        functions.AddHttp("GetCohorts", "analytics/cohorts", ["GET"], GetCohorts, configure: e => e
            .RequireAdmin()
            .WithSummary("Acquisition cohorts: customers by the month (by=month) or week (by=week) of their first order in [from, to), and how many ordered in each later period, as counts and rates; 'from' defaults to the first day of the month twelve months before 'to'."));
        functions.AddHttp("SetAcquisitionSpend", "analytics/acquisition-spend", ["PUT"], SetAcquisitionSpend, configure: e => e
            .RequireAdmin()
            .WithSummary("Sets acquisition spend per month and channel in the shop's currency (CAC is each month's spend over the customers whose first order is in that month); answers every entry."));
        return functions;
    }

    public static async Task<Results<Ok<KpiReport>, ValidationProblem>> GetKpis(string? from, string? to, string? segment, string? customerType,
        ShopKpis kpis, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var filter = await AnalyticsQuery.FilterAsync(from, to, segment, customerType, DefaultWindowDays, kpis, time, errors, cancellationToken);
        return filter is null ? TypedResults.ValidationProblem(errors) : TypedResults.Ok(await kpis.ComputeAsync(filter, cancellationToken));
    }

    public static async Task<Results<Ok<CohortReport>, ValidationProblem>> GetCohorts(string? by, string? from, string? to, string? segment, string? customerType,
        ShopKpis kpis, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var unit = AnalyticsQuery.Choice<CohortPeriodUnit>(by, "by", errors) ?? CohortPeriodUnit.Month;
        var filter = await AnalyticsQuery.FilterAsync(from, to, segment, customerType, DefaultWindowDays, kpis, time, errors, cancellationToken);
        return filter is null ? TypedResults.ValidationProblem(errors) : TypedResults.Ok(await kpis.CohortsAsync(from is null ? TwelveMonths(filter) : filter, unit, cancellationToken));
    }

    public static async Task<Results<Ok<IReadOnlyList<AcquisitionSpend>>, ValidationProblem>> SetAcquisitionSpend(AcquisitionSpendRequest request,
        AcquisitionSpendStore store, FeatureSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var entries = new List<AcquisitionSpend>();
        if (request.Entries is not { Count: > 0 and <= MaxSpendEntries })
            errors["entries"] = [$"must list 1 to {MaxSpendEntries} entries"];
        foreach (var (entry, i) in (request.Entries ?? []).Select((e, i) => (e, i)))
        {
            var field = $"entries[{i}]";
            if (entry is null)
            {
                errors[field] = ["must be an object with month, channel and amount"];
                continue;
            }
            var month = entry.Month is { Length: 7 } m && DateTime.TryParseExact(m, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && parsed.Year is >= 1990 and <= 2200 ? m : null;
            if (month is null)
                errors[field + ".month"] = ["must be a month, yyyy-MM"];
            if (entry.Channel is not { Length: > 0 and <= 64 } channel || !DocumentRules.IsValidKey(channel) || channel.Contains(':', StringComparison.Ordinal))
                errors[field + ".channel"] = ["must be a channel name of 1 to 64 characters, without ':', '/', '\\', '?' or '#'"];
            if (entry.Amount is not { } amount || amount < 0 || amount > 1_000_000_000m)
                errors[field + ".amount"] = ["must be an amount from 0 to 1,000,000,000"];
            var currency = entry.Currency ?? settings.Currency;
            if (!string.Equals(currency, settings.Currency, StringComparison.Ordinal))
                errors[field + ".currency"] = [$"must be the shop's currency, {settings.Currency}"];
            if (errors.Count == 0)
                entries.Add(new AcquisitionSpend(month!, entry.Channel!, Currencies.Round(entry.Amount!.Value, currency), currency, time.GetUtcNow()));
        }
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        await store.SetAsync(entries, cancellationToken);
        return TypedResults.Ok(await store.ListAsync(cancellationToken));
    }

    /// <summary>Cohorts of whole months: from the first day of the month twelve months before the window's end.</summary>
    private static KpiFilter TwelveMonths(KpiFilter filter)
    {
        var start = filter.To.AddTicks(-1).AddMonths(-12);
        return filter with { From = new DateTime(start.Year, start.Month, 1, 0, 0, 0, DateTimeKind.Utc) };
    }

    /// <summary>
    /// `kpis [--data FILE] [--from yyyy-MM-dd] [--to yyyy-MM-dd]`: imports the history file first when given (importing
    /// again changes nothing), then prints the KPIs and the monthly cohorts over the window as Markdown.
    /// </summary>
    public static async Task<int> KpisCommandAsync(string[] arguments, IServiceProvider services, TextWriter output)
    {
        var options = CommandArguments.Parse(arguments);
        if (options.GetValueOrDefault("data") is { } file)
        {
            await using var input = File.OpenRead(file);
            var import = await services.GetRequiredService<HistoryImporter>().ImportAsync(input);
            await output.WriteLineAsync(FormattableString.Invariant($"Imported {import.Orders:#,0} orders of {import.Customers:#,0} customers ({import.OrdersCreated:#,0} new)."));
        }
        var kpis = services.GetRequiredService<ShopKpis>();
        var errors = new Dictionary<string, string[]>();
        var filter = await AnalyticsQuery.FilterAsync(options.GetValueOrDefault("from"), options.GetValueOrDefault("to"), null, null, DefaultWindowDays,
            kpis, services.GetRequiredService<TimeProvider>(), errors, CancellationToken.None);
        if (filter is null)
        {
            await Console.Error.WriteLineAsync("kpis [--data FILE] [--from yyyy-MM-dd] [--to yyyy-MM-dd]: " + string.Join("; ", errors.Select(e => $"{e.Key} {e.Value[0]}")));
            return 64;
        }
        var report = await kpis.ComputeAsync(filter);
        var cohorts = await kpis.CohortsAsync(TwelveMonths(filter), CohortPeriodUnit.Month);
        await output.WriteAsync(Markdown(report, cohorts));
        return 0;
    }

    private static string Markdown(KpiReport report, CohortReport cohorts)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"KPIs from {report.From:yyyy-MM-dd} to {report.To:yyyy-MM-dd} (exclusive), {report.Currency}");
        text.AppendLine();
        text.AppendLine("| KPI | value | basis | industry average | listed | unicorn | startup |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, kpi) in new (string, KpiValue)[]
        {
            ("30-day retention", report.Retention30d), ("7-day retention", report.Retention7d), ("next-day retention", report.NextDayRetention),
            ("repeat-purchase rate", report.RepeatPurchaseRate), ("recommendation CTR", report.RecommendationCtr), ("AOV", report.Aov), ("CAC", report.Cac),
            ("payment success rate", report.PaymentSuccessRate), ("processing time p50", report.ProcessingTimeP50), ("processing time p95", report.ProcessingTimeP95),
            ("LTV (observed 12 months)", report.Ltv12Months), ("LTV/CAC", report.LtvToCac), ("churn rate", report.ChurnRate),
        })
        {
            var band = kpi.Band is { } b ? $"{Format(b.IndustryAverage, kpi.Unit)} | {Format(b.Listed, kpi.Unit)} | {Format(b.Unicorn, kpi.Unit)} | {Format(b.Startup, kpi.Unit)}" : " | | | ";
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {(kpi.Value is { } v ? Format(v, kpi.Unit) : "none")} | {kpi.Basis:#,0} | {band} |");
        }
        text.AppendLine();
        var width = cohorts.Cohorts.Count == 0 ? 0 : cohorts.Cohorts.Max(c => c.Periods.Count);
        text.AppendLine("| cohort | customers | " + string.Join(" | ", Enumerable.Range(0, width).Select(p => $"m{p}")) + " |");
        text.AppendLine("|---|---:|" + string.Concat(Enumerable.Repeat("---:|", width)));
        foreach (var cohort in cohorts.Cohorts)
            text.AppendLine(CultureInfo.InvariantCulture, $"| {cohort.Cohort} | {cohort.Customers:#,0} | {string.Join(" | ", cohort.Periods.Select(p => p.Rate.ToString("P0", CultureInfo.InvariantCulture)))} |");
        return text.ToString();
    }

    private static string Format(decimal value, string unit) => unit switch
    {
        "share" => value.ToString("P1", CultureInfo.InvariantCulture),
        "ratio" => value.ToString("0.00", CultureInfo.InvariantCulture),
        "minutes" => value.ToString("0.0", CultureInfo.InvariantCulture) + " min",
        _ => value.ToString("#,0.00", CultureInfo.InvariantCulture),
    };
}
