using Commerce.Analytics.Lake;
using Commerce.Events.Outbox;
using Commerce.Experiments.Statistics;

namespace Commerce.Experiments;

/// <summary>One exposed customer's outcomes after exposure (within the attribution window, and before the stop).</summary>
public sealed record ExposedCustomer(string CustomerId, string Variant, DateTime ExposedAt, long Impressions, long Clicks, long Orders, decimal Revenue);

/// <param name="Significant">the 95% interval excludes 0, and the result may be read (see <see cref="ExperimentResult.Readable"/>).</param>
public sealed record ComparisonResult(double Difference, double Lower, double Upper, double PValue, bool Significant);

/// <param name="Ctr">clicks per recommendation shown in the target slot; null when nothing was shown.</param>
/// <param name="Conversion">share of exposed customers who completed an order.</param>
/// <param name="RevenuePerBuyer">net revenue (completed orders less returns) per converted customer.</param>
public sealed record VariantResult(
    string Name, bool Control, int Weight, long Exposures, long Impressions, long Clicks, double? Ctr, long Buyers, double Conversion,
    decimal Revenue, decimal? RevenuePerBuyer, string Currency,
    ComparisonResult? CtrVsControl, ComparisonResult? ConversionVsControl, ComparisonResult? RevenuePerBuyerVsControl);

/// <param name="Reached">every variant has its declared exposures and their attribution window has passed.</param>
/// <param name="Cutoff">when the last variant reached its exposures; later exposures are not analysed.</param>
public sealed record HorizonResult(int ExposuresPerVariant, int AttributionDays, bool Reached, DateTimeOffset? Cutoff);

/// <param name="PValue">chi-square goodness of fit of the exposures to the declared split.</param>
/// <param name="Mismatch">p below 0.001: the split is broken and no difference may be trusted.</param>
public sealed record SampleRatioResult(double PValue, bool Mismatch);

/// <param name="Readable">the horizon is reached, every variant has the minimum sample, and the split is sound.</param>
/// <param name="Verdict">one sentence saying what may be concluded.</param>
public sealed record ExperimentResult(
    string Id, string Name, string Target, ExperimentStatus Status, HorizonResult Horizon, int MinimumExposuresPerVariant,
    SampleRatioResult SampleRatio, bool Readable, string Verdict, IReadOnlyList<VariantResult> Variants, string Tests);

/// <summary>
/// Reads an experiment's result from the lake: exposures are the <c>experiment_exposed</c> events, outcomes are the
/// exposed customers' recommendation events in the target slot and completed orders, joined by customer and time
/// in DuckDB. Nothing is counted in memory while the experiment runs, so every instance reads the same result.
/// </summary>
public sealed class ExperimentResults(Lake lake, TimeProvider time)
{
    public const string TestsUsed =
        "Rates (CTR, conversion): pooled two-proportion z-test for p, Newcombe hybrid score interval (method 10) for the difference. " +
        "Revenue per buyer: Welch's t-test and interval (Welch-Satterthwaite degrees of freedom). Sample ratio: Pearson chi-square goodness of fit. " +
        "Fixed horizon: read once, at the declared exposures per variant plus the attribution window; two-sided, 95%.";

    public async Task<ExperimentResult> ReadAsync(Experiment experiment, CancellationToken cancellationToken = default)
    {
        var customers = await ExposedAsync(experiment, cancellationToken).ConfigureAwait(false);
        return Analyse(experiment, customers, time.GetUtcNow());
    }

    public async Task<IReadOnlyList<ExposedCustomer>> ExposedAsync(Experiment experiment, CancellationToken cancellationToken = default)
    {
        var until = (experiment.StoppedAt ?? time.GetUtcNow().AddYears(100)).UtcDateTime;
        await using var session = await lake.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = session.Command("""
            WITH exposed AS (
                SELECT customer_id, arg_min(variant, event_time) AS variant, min(event_time) AS exposed_at
                FROM events
                WHERE source = 'system' AND type = $1 AND experiment = $2 AND event_time < $3
                GROUP BY customer_id),
            shown AS (
                SELECT x.customer_id, count(*) FILTER (WHERE e.type = 'recommendation_shown') AS impressions,
                       count(*) FILTER (WHERE e.type = 'recommendation_clicked') AS clicks
                FROM exposed x JOIN events e ON e.customer_id = x.customer_id
                WHERE e.source = 'client' AND e.slot = $4 AND e.type IN ('recommendation_shown', 'recommendation_clicked')
                  AND e.event_time >= x.exposed_at AND e.event_time < least($3, x.exposed_at + to_days(CAST($5 AS INTEGER)))
                GROUP BY x.customer_id),
            bought AS (
                SELECT x.customer_id, count(*) AS orders, sum(o.total - coalesce(o.returned_amount, 0)) AS revenue
                FROM exposed x JOIN orders o ON o.customer_id = x.customer_id
                WHERE o.status = 'Completed' AND o.currency = $6
                  AND o.placed_at >= x.exposed_at AND o.placed_at < least($3, x.exposed_at + to_days(CAST($5 AS INTEGER)))
                GROUP BY x.customer_id)
            SELECT x.customer_id, x.variant, x.exposed_at, coalesce(s.impressions, 0), coalesce(s.clicks, 0), coalesce(b.orders, 0), coalesce(b.revenue, 0)
            FROM exposed x LEFT JOIN shown s USING (customer_id) LEFT JOIN bought b USING (customer_id)
            ORDER BY x.exposed_at, x.customer_id
            """, SystemEventTypes.ExperimentExposed, experiment.Id, until, experiment.Target, experiment.AttributionDays, experiment.Currency);
        using var reader = command.ExecuteReader();
        var rows = new List<ExposedCustomer>();
        while (reader.Read())
            rows.Add(new ExposedCustomer(reader.GetString(0), reader.GetString(1), DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc),
                reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetDecimal(6) / 1.0000000000000000000000000000m));
        return rows;
    }

    /// <summary>The statistics over exposed customers; public so that simulations can check them without a lake.</summary>
    public static ExperimentResult Analyse(Experiment experiment, IReadOnlyList<ExposedCustomer> customers, DateTimeOffset now)
    {
        var byVariant = experiment.Variants.ToDictionary(v => v.Name, _ => new List<ExposedCustomer>(), StringComparer.Ordinal);
        foreach (var customer in customers.OrderBy(c => c.ExposedAt))
            if (byVariant.TryGetValue(customer.Variant, out var list))
                list.Add(customer);

        // The horizon: when the last variant got its declared exposures. Later exposures would let the reader wait for a p-value they like.
        DateTime? cutoff = byVariant.Values.All(l => l.Count >= experiment.ExposuresPerVariant)
            ? byVariant.Values.Max(l => l[experiment.ExposuresPerVariant - 1].ExposedAt)
            : null;
        var analysed = cutoff is { } c ? byVariant.ToDictionary(p => p.Key, p => p.Value.Where(x => x.ExposedAt <= c).ToList()) : byVariant;
        var windowOver = cutoff is { } end && (experiment.Status == ExperimentStatus.Stopped || now.UtcDateTime >= end.AddDays(experiment.AttributionDays));
        var reached = cutoff is not null && windowOver;

        var sampleRatio = Comparisons.SampleRatio(experiment.Variants.Select(v => (long)analysed[v.Name].Count).ToList(), experiment.Variants.Select(v => (double)v.Weight).ToList());
        var mismatch = sampleRatio < ExperimentRules.SampleRatioAlarm;
        const int minimum = ExperimentRules.MinimumExposuresPerVariant;
        var enough = experiment.Variants.All(v => analysed[v.Name].Count >= minimum);
        var readable = reached && enough && !mismatch;

        var control = analysed[experiment.Control];
        var variants = experiment.Variants.Select(v =>
        {
            var group = analysed[v.Name];
            var isControl = v.Name == experiment.Control;
            var impressions = group.Sum(x => x.Impressions);
            var clicks = group.Sum(x => x.Clicks);
            var buyers = group.Where(x => x.Orders > 0).ToList();
            var revenue = group.Sum(x => x.Revenue);
            ComparisonResult? Judge(Comparison? comparison) => comparison is null ? null
                : new ComparisonResult(comparison.Difference, comparison.Lower, comparison.Upper, comparison.PValue,
                    readable && comparison.PValue < ExperimentRules.SignificanceLevel && (comparison.Lower > 0 || comparison.Upper < 0));
            return new VariantResult(v.Name, isControl, v.Weight, group.Count, impressions, clicks,
                impressions == 0 ? null : (double)clicks / impressions, buyers.Count, group.Count == 0 ? 0 : (double)buyers.Count / group.Count,
                revenue, buyers.Count == 0 ? null : Math.Round(buyers.Sum(b => b.Revenue) / buyers.Count, 2), experiment.Currency,
                isControl ? null : Judge(Comparisons.Rates(control.Sum(x => x.Clicks), control.Sum(x => x.Impressions), clicks, impressions)),
                isControl ? null : Judge(Comparisons.Rates(control.Count(x => x.Orders > 0), control.Count, buyers.Count, group.Count)),
                isControl ? null : Judge(Comparisons.Means(control.Where(x => x.Orders > 0).Select(x => (double)x.Revenue).ToList(), buyers.Select(x => (double)x.Revenue).ToList())));
        }).ToList();

        var verdict = (readable, mismatch) switch
        {
            (_, true) => "Sample-ratio mismatch: the exposures do not follow the declared split, so assignment or logging is broken; no difference can be trusted.",
            (false, _) when cutoff is null => $"Collecting: the result is read when every variant has {experiment.ExposuresPerVariant} exposures; until then no difference is called significant.",
            (false, _) when !enough => $"Too few exposures: at least {minimum} per variant are needed.",
            (false, _) => $"Waiting for the attribution window ({experiment.AttributionDays} days after the horizon) or the stop.",
            _ => variants.Any(v => v.ConversionVsControl?.Significant == true || v.CtrVsControl?.Significant == true || v.RevenuePerBuyerVsControl?.Significant == true)
                ? "Read: at least one variant differs from control at the 95% level (see the significant comparisons)."
                : "Read: no variant differs from control at the 95% level.",
        };
        return new ExperimentResult(experiment.Id, experiment.Name, experiment.Target, experiment.Status,
            new HorizonResult(experiment.ExposuresPerVariant, experiment.AttributionDays, reached, cutoff is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null),
            minimum, new SampleRatioResult(sampleRatio, mismatch), readable, verdict, variants, TestsUsed);
    }
}
