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

/// <summary>Inputs of the unit economics; each one left out is taken from the shop's KPIs over the last 90 days of its data.</summary>
/// <param name="Aov">average order value in the shop's currency.</param>
/// <param name="GrossMargin">a fraction, 0 to 1 (default: the `Kpis:GrossMargin` setting).</param>
/// <param name="PaymentSuccessRate">a fraction, 0 to 1.</param>
/// <param name="Retention30d">a fraction, 0 to 1.</param>
/// <param name="Cac">customer acquisition cost in the shop's currency.</param>
/// <param name="HorizonMonths">1 to 120 (default 12).</param>
public sealed record UnitEconomicsRequest(decimal? Aov, decimal? GrossMargin, decimal? PaymentSuccessRate, decimal? Retention30d, decimal? Cac, int? HorizonMonths);

/// <param name="GrossMargin">the margin assumed when a request names none (orders in the lake carry no costs).</param>
public sealed record UnitEconomicsDefaults(decimal GrossMargin, int HorizonMonths = 12);

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
        functions.AddHttp("GetUnitEconomics", "analytics/unit-economics", ["POST"], GetUnitEconomics, configure: e => e
            .RequireAdmin()
            .WithSummary("Unit margin = AOV x gross margin x payment success x expected orders - CAC (expected orders over the horizon from 30-day retention), LTV/CAC, payback, each input moved by +/-15, 20 and 30 % (tornado), and each input's break-even value. Inputs left out come from the shop's KPIs; rates are fractions."));
        return functions;
    }

    public static async Task<Results<Ok<UnitEconomicsResult>, ValidationProblem>> GetUnitEconomics(UnitEconomicsRequest request,
        ShopKpis kpis, UnitEconomicsDefaults defaults, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        void Check(decimal? value, string field, decimal max, string what)
        {
            if (value is { } v && (v < 0 || v > max))
                errors[field] = [what];
        }
        Check(request.Aov, "aov", 1_000_000_000m, "must be an amount from 0 to 1,000,000,000");
        Check(request.Cac, "cac", 1_000_000_000m, "must be an amount from 0 to 1,000,000,000");
        Check(request.GrossMargin, "grossMargin", 1, "must be a fraction from 0 to 1 (0.30 is 30 %)");
        Check(request.PaymentSuccessRate, "paymentSuccessRate", 1, "must be a fraction from 0 to 1");
        Check(request.Retention30d, "retention30d", 1, "must be a fraction from 0 to 1");
        if (request.HorizonMonths is < 1 or > 120)
            errors["horizonMonths"] = ["must be 1 to 120 months"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        KpiReport? shop = null;
        return TypedResults.Ok(await EvaluateAsync(request, defaults, async () => shop ??=
            await kpis.ComputeAsync((await AnalyticsQuery.FilterAsync(null, null, null, null, DefaultWindowDays, kpis, time, errors, cancellationToken))!, cancellationToken)));
    }

    /// <summary>Unit economics of the inputs given, the others from the shop's KPIs (the industry average where the shop has no figure).</summary>
    private static async Task<UnitEconomicsResult> EvaluateAsync(UnitEconomicsRequest request, UnitEconomicsDefaults defaults, Func<Task<KpiReport>> shop)
    {
        var sources = new Dictionary<string, string>();
        async Task<decimal> Input(decimal? given, string name, Func<KpiReport, KpiValue> kpi)
        {
            if (given is { } value)
            {
                sources[name] = "request";
                return value;
            }
            var measured = kpi(await shop());
            sources[name] = measured.Value is null ? "industry average" : "shop";
            return measured.Value ?? measured.Band!.IndustryAverage;
        }
        var inputs = new UnitEconomicsInputs(
            Aov: await Input(request.Aov, "aov", r => r.Aov),
            GrossMargin: request.GrossMargin ?? defaults.GrossMargin,
            PaymentSuccessRate: await Input(request.PaymentSuccessRate, "paymentSuccessRate", r => r.PaymentSuccessRate),
            Retention30d: await Input(request.Retention30d, "retention30d", r => r.Retention30d),
            Cac: await Input(request.Cac, "cac", r => r.Cac),
            HorizonMonths: request.HorizonMonths ?? defaults.HorizonMonths);
        sources["grossMargin"] = request.GrossMargin is null ? "setting" : "request";
        return UnitEconomics.Evaluate(inputs) with { Sources = sources };
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
        var economics = await EvaluateAsync(new UnitEconomicsRequest(null, null, null, null, null, null), services.GetRequiredService<UnitEconomicsDefaults>(), () => Task.FromResult(report));
        await output.WriteAsync(Markdown(report, cohorts, economics));
        return 0;
    }

    private static string Markdown(KpiReport report, CohortReport cohorts, UnitEconomicsResult economics)
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
        text.AppendLine();
        var i = economics.Inputs;
        text.AppendLine(CultureInfo.InvariantCulture, $"Unit economics over {i.HorizonMonths} months: expected orders {economics.ExpectedOrders:0.000}, LTV {economics.Ltv:#,0.00}, unit margin {economics.UnitMargin:#,0.00}, LTV/CAC {economics.LtvToCac:0.00}, payback {(economics.PaybackMonths is { } p ? p.ToString("0.00", CultureInfo.InvariantCulture) + " months" : "none")}");
        text.AppendLine();
        text.AppendLine("| input | value | from | break-even | -30 % | -20 % | -15 % | +15 % | +20 % | +30 % |");
        text.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        var breakEven = new Dictionary<string, decimal?>
        {
            ["aov"] = economics.BreakEven.Aov, ["grossMargin"] = economics.BreakEven.GrossMargin, ["paymentSuccessRate"] = economics.BreakEven.PaymentSuccessRate,
            ["retention30d"] = economics.BreakEven.Retention30d, ["cac"] = economics.BreakEven.Cac,
        };
        foreach (var bar in economics.Tornado)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {bar.Input} | {bar.Value:0.####} | {economics.Sources[bar.Input]} | {(breakEven[bar.Input] is { } b ? b.ToString("0.####", CultureInfo.InvariantCulture) : "none")} | {string.Join(" | ", bar.Points.Select(p => p.UnitMargin.ToString("#,0.00", CultureInfo.InvariantCulture)))} |");
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
