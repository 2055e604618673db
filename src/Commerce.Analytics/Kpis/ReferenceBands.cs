namespace Commerce.Analytics.Kpis;

/// <summary>Where a KPI stands in the industry: the average shop, listed companies, unicorns and startups. Rates are fractions.</summary>
public sealed record ReferenceBand(decimal IndustryAverage, decimal Listed, decimal Unicorn, decimal Startup);

/// <summary>The industry reference table the product is built around, one band per KPI that has one.</summary>
public static class ReferenceBands
{
    public static readonly ReferenceBand Retention30d = new(0.45m, 0.54m, 0.51m, 0.39m);
    public static readonly ReferenceBand RecommendationCtr = new(0.12m, 0.15m, 0.16m, 0.10m);
    public static readonly ReferenceBand Aov = new(320m, 380m, 360m, 290m);
    public static readonly ReferenceBand Cac = new(95m, 85m, 78m, 110m);
    public static readonly ReferenceBand PaymentSuccessRate = new(0.962m, 0.970m, 0.968m, 0.951m);
    public static readonly ReferenceBand ProcessingMinutes = new(18m, 12m, 14m, 22m);
}
