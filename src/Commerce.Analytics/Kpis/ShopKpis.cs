using System.Globalization;
using Commerce.Analytics.Features;
using Commerce.Analytics.Lake;
using DuckDB.NET.Data;

namespace Commerce.Analytics.Kpis;

/// <summary>
/// The shop's KPIs and acquisition cohorts, computed by DuckDB over the lake when asked. Each KPI is defined once,
/// by its query below (the README states them in words). Orders count when completed; the customers in scope are
/// those of the filter's segment (as of its end) and type (from the latest account snapshot in the lake).
/// </summary>
public sealed class ShopKpis(Lake.Lake lake, CustomerFeatureBuilder features, AcquisitionSpendStore spend)
{
    /// <summary>Imported orders carry no processing time of their own (placed, paid and completed at the invoice's time).</summary>
    public const string ImportedPaymentMethod = History.HistoryImporter.PaymentMethod;

    private static readonly string[] Succeeded = ["Approved", "Pending"];

    private string Currency => features.Settings.Currency;

    /// <summary>The day after the last completed order was placed (UTC midnight), or null with none: where a window ends by default.</summary>
    public async Task<DateTime?> DataEndAsync(CancellationToken cancellationToken = default)
    {
        await using var session = await lake.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = session.Command("SELECT CAST(CAST(max(placed_at) AS DATE) + 1 AS TIMESTAMP) FROM orders WHERE status = 'Completed'");
        var end = command.ExecuteScalar();
        return end is DateTime day ? DateTime.SpecifyKind(day, DateTimeKind.Utc) : null;
    }

    public async Task<KpiReport> ComputeAsync(KpiFilter filter, CancellationToken cancellationToken = default)
    {
        var entries = await spend.ListAsync(cancellationToken).ConfigureAwait(false);
        await using var session = await lake.OpenAsync(cancellationToken).ConfigureAwait(false);
        Scope(session, filter);
        LoadSpend(session, entries);
        var (from, to) = (filter.From, filter.To);

        var acquisition = Acquisition(session, from, to);
        var spent = acquisition.Where(m => m.Spend > 0).ToList();
        var acquired = spent.Sum(m => m.NewCustomers);
        var cac = new KpiValue(acquired == 0 ? null : Money(spent.Sum(m => m.Spend) / acquired), Currency, acquired, ReferenceBands.Cac);
        var ltv = Ltv12Months(session, to);
        var (p50, p95) = ProcessingTime(session, from, to);
        var channels = PaymentChannels(session, from, to);
        var attempts = channels.Sum(c => c.Attempts);

        return new KpiReport(from, to, Currency, filter.Segment?.ToString(), filter.CustomerType?.ToString(),
            Retention30d: Retention(session, from, to, 30) with { Band = ReferenceBands.Retention30d },
            Retention7d: Retention(session, from, to, 7),
            NextDayRetention: Retention(session, from, to, 1),
            RepeatPurchaseRate: RepeatPurchaseRate(session, from, to),
            RecommendationCtr: RecommendationCtr(session, from, to),
            Aov: Aov(session, from, to),
            Cac: cac,
            PaymentSuccessRate: new KpiValue(attempts == 0 ? null : Rate(channels.Sum(c => c.Succeeded), attempts), "share", attempts, ReferenceBands.PaymentSuccessRate),
            ProcessingTimeP50: p50,
            ProcessingTimeP95: p95,
            Ltv12Months: ltv,
            LtvToCac: new KpiValue(ltv.Value is { } l && cac.Value is { } c && c > 0 ? Math.Round(l / c, 2) : null, "ratio", Math.Min(ltv.Basis, cac.Basis)),
            ChurnRate: ChurnRate(session, from, to),
            PaymentChannels: channels,
            Acquisition: acquisition);
    }

    /// <summary>Customers by the period (month or week) of their first completed order in the window, and how many ordered in each later period.</summary>
    public async Task<CohortReport> CohortsAsync(KpiFilter filter, CohortPeriodUnit by, CancellationToken cancellationToken = default)
    {
        await using var session = await lake.OpenAsync(cancellationToken).ConfigureAwait(false);
        Scope(session, filter);
        var unit = by == CohortPeriodUnit.Week ? "week" : "month";
        using var command = session.Command($"""
            WITH cohort AS (
                SELECT customer_id, date_trunc('{unit}', first_at) AS cohort FROM kpi_customers WHERE first_at >= $1 AND first_at < $2),
            active AS (
                SELECT DISTINCT c.cohort, o.customer_id, datediff('{unit}', c.cohort, date_trunc('{unit}', o.placed_at)) AS period
                FROM kpi_orders o JOIN cohort c ON o.customer_id = c.customer_id WHERE o.placed_at < $2)
            SELECT cohort, period, count(*), datediff('{unit}', cohort, date_trunc('{unit}', CAST($2 AS TIMESTAMP) - INTERVAL 1 MICROSECOND))
            FROM active GROUP BY cohort, period ORDER BY cohort, period
            """, filter.From, filter.To);
        var rows = Rows(command, r => (Cohort: r.GetDateTime(0), Period: Convert.ToInt32(r.GetValue(1), CultureInfo.InvariantCulture),
            Customers: Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture), Last: Convert.ToInt32(r.GetValue(3), CultureInfo.InvariantCulture)));
        var cohorts = rows.GroupBy(r => r.Cohort).Select(g =>
        {
            var size = g.Single(r => r.Period == 0).Customers;
            var counts = g.ToDictionary(r => r.Period, r => r.Customers);
            var periods = Enumerable.Range(0, g.First().Last + 1)
                .Select(p => new CohortPeriod(p, counts.GetValueOrDefault(p), Rate(counts.GetValueOrDefault(p), size)!.Value))
                .ToList();
            var name = by == CohortPeriodUnit.Week ? g.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : g.Key.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            return new AcquisitionCohort(name, size, periods);
        }).ToList();
        return new CohortReport(filter.From, filter.To, unit, filter.Segment?.ToString(), filter.CustomerType?.ToString(), cohorts);
    }

    /// <summary>
    /// Of the customers whose first completed order is in the window and at least <paramref name="days"/> days before
    /// its end, the share who completed another order placed after the first and within that many days of it.
    /// </summary>
    private static KpiValue Retention(LakeSession session, DateTime from, DateTime to, int days)
    {
        using var command = session.Command($"""
            SELECT count(*), count(*) FILTER (WHERE next_at <= first_at + INTERVAL {days} DAY)
            FROM kpi_customers WHERE first_at >= $1 AND first_at < $2 AND first_at + INTERVAL {days} DAY <= $2
            """, from, to);
        var (eligible, retained) = Pair(command);
        return new KpiValue(Rate(retained, eligible), "share", eligible);
    }

    /// <summary>Of the customers with a completed order placed in the window, the share with two or more.</summary>
    private static KpiValue RepeatPurchaseRate(LakeSession session, DateTime from, DateTime to)
    {
        using var command = session.Command("""
            SELECT count(*), count(*) FILTER (WHERE orders >= 2)
            FROM (SELECT customer_id, count(*) AS orders FROM kpi_orders WHERE placed_at >= $1 AND placed_at < $2 GROUP BY customer_id)
            """, from, to);
        var (customers, repeat) = Pair(command);
        return new KpiValue(Rate(repeat, customers), "share", customers);
    }

    /// <summary>Recommendation clicks over recommendations shown, both behaviour events in the window.</summary>
    private static KpiValue RecommendationCtr(LakeSession session, DateTime from, DateTime to)
    {
        using var command = session.Command("""
            SELECT count(*) FILTER (WHERE type = 'recommendation_shown'), count(*) FILTER (WHERE type = 'recommendation_clicked')
            FROM kpi_events WHERE source = 'client' AND event_time >= $1 AND event_time < $2
            """, from, to);
        var (shown, clicked) = Pair(command);
        return new KpiValue(Rate(clicked, shown), "share", shown, ReferenceBands.RecommendationCtr);
    }

    /// <summary>The mean total of completed orders placed in the window, in the shop's currency.</summary>
    private KpiValue Aov(LakeSession session, DateTime from, DateTime to)
    {
        using var command = session.Command("""
            SELECT count(*), coalesce(sum(total), 0) FROM kpi_orders WHERE placed_at >= $1 AND placed_at < $2 AND currency = $3
            """, from, to, Currency);
        var (orders, total) = Single(command, r => (Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), r.GetDecimal(1)));
        return new KpiValue(orders == 0 ? null : Money(total / orders), Currency, orders, ReferenceBands.Aov);
    }

    /// <summary>
    /// Each month that overlaps the window and has spend entered: its spend (all channels) and the customers whose
    /// first completed order is in that month, whoever they are (spend is not attributed to segments or types).
    /// </summary>
    private static List<AcquisitionMonth> Acquisition(LakeSession session, DateTime from, DateTime to)
    {
        using var command = session.Command("""
            SELECT strftime(s.month, '%Y-%m'), s.spend, (SELECT count(*) FROM all_customers c WHERE date_trunc('month', c.first_at) = s.month)
            FROM (SELECT month, sum(amount) AS spend FROM kpi_spend GROUP BY month) s
            WHERE s.month >= date_trunc('month', CAST($1 AS TIMESTAMP)) AND s.month < $2
            ORDER BY s.month
            """, from, to);
        return Rows(command, r =>
        {
            var (spent, customers) = (r.GetDecimal(1), Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture));
            return new AcquisitionMonth(r.GetString(0), Money(spent), customers, customers == 0 ? null : Money(spent / customers));
        });
    }

    /// <summary>
    /// Authorization attempts recorded in the window, by channel: approved or pending (bank transfer accepted) succeed;
    /// the others are counted by decline code (or outcome when there is none).
    /// </summary>
    private static List<PaymentChannelKpi> PaymentChannels(LakeSession session, DateTime from, DateTime to)
    {
        const string attempts = "FROM kpi_events WHERE type = 'payment_attempted' AND operation = 'authorize' AND event_time >= $1 AND event_time < $2";
        using var failures = session.Command($"""
            SELECT channel, coalesce(decline_code, lower(outcome)), count(*) {attempts} AND NOT list_contains($3, outcome)
            GROUP BY ALL ORDER BY 3 DESC, 2
            """, from, to, Succeeded);
        var reasons = Rows(failures, r => (Channel: r.GetString(0), Failure: new PaymentFailureCount(r.GetString(1), Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture))))
            .ToLookup(f => f.Channel, f => f.Failure);
        using var totals = session.Command($"""
            SELECT channel, count(*), count(*) FILTER (WHERE list_contains($3, outcome)) {attempts} GROUP BY channel ORDER BY channel
            """, from, to, Succeeded);
        return Rows(totals, r =>
        {
            var (channel, all, ok) = (r.GetString(0), Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture), Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture));
            return new PaymentChannelKpi(channel, all, ok, Rate(ok, all), [.. reasons[channel]]);
        });
    }

    /// <summary>Placed-to-completed minutes of completed orders placed in the window (imported history has none): the median and the 95th percentile, interpolated.</summary>
    private static (KpiValue P50, KpiValue P95) ProcessingTime(LakeSession session, DateTime from, DateTime to)
    {
        using var command = session.Command("""
            SELECT count(*), quantile_cont(processing_ms, 0.5), quantile_cont(processing_ms, 0.95)
            FROM kpi_orders WHERE placed_at >= $1 AND placed_at < $2 AND processing_ms IS NOT NULL AND payment_method IS DISTINCT FROM $3
            """, from, to, ImportedPaymentMethod);
        var (orders, p50, p95) = Single(command, r => (Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture),
            r.IsDBNull(1) ? (double?)null : r.GetDouble(1), r.IsDBNull(2) ? (double?)null : r.GetDouble(2)));
        static decimal? Minutes(double? ms) => ms is { } v ? Math.Round((decimal)(v / 60_000), 2) : null;
        return (new KpiValue(Minutes(p50), "minutes", orders, ReferenceBands.ProcessingMinutes), new KpiValue(Minutes(p95), "minutes", orders));
    }

    /// <summary>
    /// Observed 12-month value: of the customers whose first completed order was 365 to 730 days before the window's
    /// end (so a whole year after it is known), the mean net spend (sales less returns, in the shop's currency) in the 365 days from their first order.
    /// </summary>
    private KpiValue Ltv12Months(LakeSession session, DateTime to)
    {
        using var command = session.Command("""
            SELECT count(*), coalesce(sum(net), 0) FROM (
                SELECT c.customer_id, coalesce(sum(l.amount), 0) AS net
                FROM kpi_customers c LEFT JOIN kpi_lines l ON l.customer_id = c.customer_id AND l.currency = $2
                    AND l.booked_at >= c.first_at AND l.booked_at < c.first_at + INTERVAL 365 DAY
                WHERE c.first_at >= CAST($1 AS TIMESTAMP) - INTERVAL 730 DAY AND c.first_at < CAST($1 AS TIMESTAMP) - INTERVAL 365 DAY
                GROUP BY c.customer_id)
            """, to, Currency);
        var (customers, net) = Single(command, r => (Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), r.GetDecimal(1)));
        return new KpiValue(customers == 0 ? null : Money(net / customers), Currency, customers);
    }

    /// <summary>Of the customers who completed an order in the period of the same length just before the window, the share who completed none placed in the window.</summary>
    private static KpiValue ChurnRate(LakeSession session, DateTime from, DateTime to)
    {
        using var command = session.Command("""
            WITH before AS (SELECT DISTINCT customer_id FROM kpi_orders WHERE placed_at >= $3 AND placed_at < $1),
                 during AS (SELECT DISTINCT customer_id FROM kpi_orders WHERE placed_at >= $1 AND placed_at < $2)
            SELECT count(*), count(*) FILTER (WHERE customer_id NOT IN (SELECT customer_id FROM during)) FROM before
            """, from, to, from - (to - from));
        var (active, churned) = Pair(command);
        return new KpiValue(Rate(churned, active), "share", active);
    }

    /// <summary>The views every KPI reads: completed orders, lines and events of the customers in scope, and each customer's first and next order.</summary>
    private void Scope(LakeSession session, KpiFilter filter)
    {
        var inScope = "";
        if (filter.Segment is not null || filter.CustomerType is not null)
        {
            var members = Members(session, filter);
            Execute(session, "CREATE TEMP TABLE kpi_scope (customer_id VARCHAR PRIMARY KEY)");
            using (var appender = session.Connection.CreateAppender("kpi_scope"))
            {
                foreach (var id in members)
                    appender.CreateRow().AppendValue(id).EndRow();
            }
            inScope = " AND customer_id IN (SELECT customer_id FROM kpi_scope)";
        }
        Execute(session, $"CREATE TEMP VIEW kpi_orders AS SELECT * FROM orders WHERE status = 'Completed'{inScope}");
        Execute(session, $"CREATE TEMP VIEW kpi_lines AS SELECT * FROM order_lines WHERE true{inScope}");
        Execute(session, $"CREATE TEMP VIEW kpi_events AS SELECT * FROM events WHERE true{inScope}");
        const string firsts = """
            SELECT customer_id, first_at, min(placed_at) FILTER (WHERE placed_at > first_at) AS next_at
            FROM (SELECT customer_id, placed_at, min(placed_at) OVER (PARTITION BY customer_id) AS first_at FROM {0})
            GROUP BY customer_id, first_at
            """;
        Execute(session, "CREATE TEMP VIEW kpi_customers AS " + string.Format(CultureInfo.InvariantCulture, firsts, "kpi_orders"));
        Execute(session, "CREATE TEMP VIEW all_customers AS " + string.Format(CultureInfo.InvariantCulture, firsts, "orders WHERE status = 'Completed'"));
    }

    private HashSet<string> Members(LakeSession session, KpiFilter filter)
    {
        HashSet<string>? members = null;
        if (filter.Segment is { } segment)
        {
            var history = LakeHistory.LoadPurchases(session, Currency);
            members = features.Build(history, [], new Dictionary<string, CustomerProfile>(), filter.To).Customers
                .Where(f => f.Segment == segment).Select(f => f.CustomerId).ToHashSet(StringComparer.Ordinal);
        }
        if (filter.CustomerType is { } kind)
        {
            using var command = session.Command("""
                SELECT customer_id FROM (SELECT customer_id, arg_max(kind, snapshot_at) AS kind FROM customers GROUP BY customer_id) WHERE kind = $1
                """, kind.ToString());
            var ofKind = Rows(command, r => r.GetString(0)).ToHashSet(StringComparer.Ordinal);
            members = members is null ? ofKind : [.. members.Where(ofKind.Contains)];
        }
        return members!;
    }

    private static void LoadSpend(LakeSession session, IReadOnlyList<AcquisitionSpend> entries)
    {
        Execute(session, "CREATE TEMP TABLE kpi_spend (month TIMESTAMP, channel VARCHAR, amount DECIMAL(18,4))");
        using var appender = session.Connection.CreateAppender("kpi_spend");
        foreach (var entry in entries)
            appender.CreateRow().AppendValue(entry.MonthStart.ToDateTime(TimeOnly.MinValue)).AppendValue(entry.Channel).AppendValue(entry.Amount).EndRow();
    }

    private static decimal? Rate(long part, long whole) => whole == 0 ? null : Math.Round((decimal)part / whole, 4);

    private static decimal Money(decimal value) => Math.Round(value, 2);

    private static void Execute(LakeSession session, string sql)
    {
        using var command = session.Command(sql);
        command.ExecuteNonQuery();
    }

    private static (long, long) Pair(DuckDBCommand command) =>
        Single(command, r => (Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture)));

    private static T Single<T>(DuckDBCommand command, Func<DuckDBDataReader, T> read)
    {
        using var reader = command.ExecuteReader();
        if (!reader.Read())
            throw new InvalidOperationException("An aggregate query answered no row.");
        return read(reader);
    }

    private static List<T> Rows<T>(DuckDBCommand command, Func<DuckDBDataReader, T> read)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
            rows.Add(read(reader));
        return rows;
    }
}

public enum CohortPeriodUnit
{
    Month,
    Week,
}
