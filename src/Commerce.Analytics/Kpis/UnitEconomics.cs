namespace Commerce.Analytics.Kpis;

/// <param name="Aov">average order value, in the shop's currency.</param>
/// <param name="GrossMargin">gross margin as a fraction of the order value, 0 to 1.</param>
/// <param name="PaymentSuccessRate">the share of orders whose payment goes through, 0 to 1.</param>
/// <param name="Retention30d">the chance that a customer who bought in one 30-day month buys in the next, 0 to 1.</param>
/// <param name="Cac">what winning one customer costs.</param>
/// <param name="HorizonMonths">how many 30-day months of a customer's life count.</param>
public sealed record UnitEconomicsInputs(decimal Aov, decimal GrossMargin, decimal PaymentSuccessRate, decimal Retention30d, decimal Cac, int HorizonMonths);

/// <param name="Change">the relative move of the input: -0.30 is 30 % less.</param>
/// <param name="Capped">a rate that the move would take past 1 is taken as 1.</param>
public sealed record TornadoPoint(decimal Change, decimal Value, bool Capped, decimal UnitMargin);

/// <param name="Swing">unit margin at the input's best of +/-30 % less at its worst: how much the input matters.</param>
public sealed record TornadoBar(string Input, decimal Value, decimal Swing, IReadOnlyList<TornadoPoint> Points);

/// <summary>The value of each input at which unit margin is zero, the others held; null when no value in the input's range gets there.</summary>
public sealed record BreakEven(decimal? Aov, decimal? GrossMargin, decimal? PaymentSuccessRate, decimal? Retention30d, decimal? Cac);

/// <param name="ExpectedOrders">orders a customer places over the horizon: 1 + r + r^2 + ... + r^(horizon-1).</param>
/// <param name="Ltv">contribution over the horizon: AOV x margin x payment success x expected orders.</param>
/// <param name="PaybackMonths">months after the first order until the contribution so far covers CAC (linear within a month); null when it does not within the horizon.</param>
public sealed record UnitEconomicsResult(
    UnitEconomicsInputs Inputs,
    decimal ExpectedOrders,
    decimal Ltv,
    decimal UnitMargin,
    decimal? LtvToCac,
    decimal? PaybackMonths,
    BreakEven BreakEven,
    IReadOnlyList<TornadoBar> Tornado)
{
    /// <summary>Where each input came from: `request`, `shop` (its KPIs), `setting`, or `industry average` when the shop has no figure.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Unit economics of one customer: unit margin = AOV x gross margin x payment success x F - CAC, where the retention
/// factor F = 1 + r + r^2 + ... + r^(n-1) is the expected number of orders over n months when a customer orders once in
/// the month of the first order and each following month with the 30-day retention r of the month before.
/// </summary>
public static class UnitEconomics
{
    public static readonly IReadOnlyList<decimal> Changes = [-0.30m, -0.20m, -0.15m, 0.15m, 0.20m, 0.30m];

    /// <summary>Precision of the break-even retention, found by bisection (F has no closed-form inverse).</summary>
    private const decimal Tolerance = 0.000000001m;

    public static UnitEconomicsResult Evaluate(UnitEconomicsInputs inputs)
    {
        var orders = ExpectedOrders(inputs.Retention30d, inputs.HorizonMonths);
        var ltv = Contribution(inputs) * orders;
        return new UnitEconomicsResult(
            inputs,
            Math.Round(orders, 4),
            Math.Round(ltv, 2),
            Math.Round(ltv - inputs.Cac, 2),
            inputs.Cac == 0 ? null : Math.Round(ltv / inputs.Cac, 2),
            Payback(inputs),
            BreakEvenOf(inputs),
            Tornado(inputs));
    }

    public static decimal UnitMargin(UnitEconomicsInputs inputs) => Contribution(inputs) * ExpectedOrders(inputs.Retention30d, inputs.HorizonMonths) - inputs.Cac;

    public static decimal ExpectedOrders(decimal retention, int months)
    {
        decimal sum = 0, weight = 1;
        for (var k = 0; k < months; k++)
        {
            sum += weight;
            weight *= retention;
        }
        return sum;
    }

    private static decimal Contribution(UnitEconomicsInputs i) => i.Aov * i.GrossMargin * i.PaymentSuccessRate;

    private static decimal? Payback(UnitEconomicsInputs inputs)
    {
        var contribution = Contribution(inputs);
        decimal covered = 0, weight = 1;
        for (var month = 0; month < inputs.HorizonMonths; month++)
        {
            var gain = contribution * weight;
            if (covered + gain >= inputs.Cac)
                return month == 0 ? 0 : Math.Round(month - 1 + (inputs.Cac - covered) / gain, 2);
            covered += gain;
            weight *= inputs.Retention30d;
        }
        return null;
    }

    private static BreakEven BreakEvenOf(UnitEconomicsInputs i)
    {
        var orders = ExpectedOrders(i.Retention30d, i.HorizonMonths);
        decimal? Solve(decimal perUnit, decimal max) => perUnit == 0 ? (i.Cac == 0 ? 0 : null) : i.Cac / perUnit is var v && v <= max ? Math.Round(v, 6) : null;
        return new BreakEven(
            Aov: Solve(i.GrossMargin * i.PaymentSuccessRate * orders, decimal.MaxValue),
            GrossMargin: Solve(i.Aov * i.PaymentSuccessRate * orders, 1),
            PaymentSuccessRate: Solve(i.Aov * i.GrossMargin * orders, 1),
            Retention30d: BreakEvenRetention(i),
            Cac: Math.Round(Contribution(i) * orders, 6));
    }

    /// <summary>F rises with r from 1 (r = 0) to n (r = 1), so the r where contribution x F = CAC is found by bisection.</summary>
    private static decimal? BreakEvenRetention(UnitEconomicsInputs i)
    {
        var contribution = Contribution(i);
        decimal Margin(decimal r) => contribution * ExpectedOrders(r, i.HorizonMonths) - i.Cac;
        if (Margin(0) > 0 || Margin(1) < 0)
            return null;
        decimal low = 0, high = 1;
        while (high - low > Tolerance)
        {
            var mid = (low + high) / 2;
            if (Margin(mid) < 0)
                low = mid;
            else
                high = mid;
        }
        return Math.Round((low + high) / 2, 6);
    }

    private static List<TornadoBar> Tornado(UnitEconomicsInputs i)
    {
        var inputs = new (string Name, decimal Value, bool Rate, Func<decimal, UnitEconomicsInputs> With)[]
        {
            ("aov", i.Aov, false, v => i with { Aov = v }),
            ("grossMargin", i.GrossMargin, true, v => i with { GrossMargin = v }),
            ("paymentSuccessRate", i.PaymentSuccessRate, true, v => i with { PaymentSuccessRate = v }),
            ("retention30d", i.Retention30d, true, v => i with { Retention30d = v }),
            ("cac", i.Cac, false, v => i with { Cac = v }),
        };
        return [.. inputs.Select(input =>
        {
            var points = Changes.Select(change =>
            {
                var moved = input.Value * (1 + change);
                var capped = input.Rate && moved > 1;
                var value = capped ? 1 : moved;
                return new TornadoPoint(change, Math.Round(value, 6), capped, Math.Round(UnitMargin(input.With(value)), 2));
            }).ToList();
            return new TornadoBar(input.Name, input.Value, points.Max(p => p.UnitMargin) - points.Min(p => p.UnitMargin), points);
        }).OrderByDescending(b => b.Swing)];
    }
}
