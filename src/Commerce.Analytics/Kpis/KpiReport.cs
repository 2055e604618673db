namespace Commerce.Analytics.Kpis;

/// <param name="Value">null when the lake holds nothing to compute it from (no eligible customers, no events, no spend entered).</param>
/// <param name="Unit">`share` (a fraction), `ratio`, `minutes`, or the ISO currency of a money value.</param>
/// <param name="Basis">how many customers, orders, events or attempts the value stands on.</param>
/// <param name="Band">the industry reference band, for the KPIs that have one.</param>
public sealed record KpiValue(decimal? Value, string Unit, long Basis, ReferenceBand? Band = null);

/// <param name="Reason">the decline code, or the outcome when there is none (`unavailable`).</param>
public sealed record PaymentFailureCount(string Reason, long Attempts);

public sealed record PaymentChannelKpi(string Channel, long Attempts, long Succeeded, decimal? SuccessRate, IReadOnlyList<PaymentFailureCount> Failures);

/// <param name="Month">yyyy-MM.</param>
/// <param name="NewCustomers">customers whose first completed order is in that month.</param>
public sealed record AcquisitionMonth(string Month, decimal Spend, long NewCustomers, decimal? Cac);

/// <summary>The shop's KPIs over [<see cref="From"/>, <see cref="To"/>), for the customers in scope; definitions in the README.</summary>
public sealed record KpiReport(
    DateTime From,
    DateTime To,
    string Currency,
    string? Segment,
    string? CustomerType,
    KpiValue Retention30d,
    KpiValue Retention7d,
    KpiValue NextDayRetention,
    KpiValue RepeatPurchaseRate,
    KpiValue RecommendationCtr,
    KpiValue Aov,
    KpiValue Cac,
    KpiValue PaymentSuccessRate,
    KpiValue ProcessingTimeP50,
    KpiValue ProcessingTimeP95,
    KpiValue Ltv12Months,
    KpiValue LtvToCac,
    KpiValue ChurnRate,
    IReadOnlyList<PaymentChannelKpi> PaymentChannels,
    IReadOnlyList<AcquisitionMonth> Acquisition);

/// <param name="Period">months (or weeks) since the cohort's first period; 0 is the period of the first order.</param>
public sealed record CohortPeriod(int Period, long Customers, decimal Rate);

/// <param name="Cohort">yyyy-MM (by month) or the Monday yyyy-MM-dd (by week) of the customers' first order.</param>
public sealed record AcquisitionCohort(string Cohort, long Customers, IReadOnlyList<CohortPeriod> Periods);

public sealed record CohortReport(DateTime From, DateTime To, string By, string? Segment, string? CustomerType, IReadOnlyList<AcquisitionCohort> Cohorts);
