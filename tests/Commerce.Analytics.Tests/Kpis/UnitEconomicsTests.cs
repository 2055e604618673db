using Commerce.Analytics.Kpis;

namespace Commerce.Analytics.Tests.Kpis;

/// <summary>
/// Unit economics checked a second way: the retention factor by its closed form (1 - r^n) / (1 - r) in doubles, and each
/// break-even value by a bisection on that closed form, or by the closed form where one exists (horizon 2: F = 1 + r).
/// </summary>
public sealed class UnitEconomicsTests
{
    private static readonly UnitEconomicsInputs Shop = new(Aov: 320m, GrossMargin: 0.30m, PaymentSuccessRate: 0.962m, Retention30d: 0.45m, Cac: 95m, HorizonMonths: 12);

    private static double Factor(double r, int n) => r == 1 ? n : (1 - Math.Pow(r, n)) / (1 - r);

    private static double Margin(double aov, double margin, double success, double r, double cac, int n) => aov * margin * success * Factor(r, n) - cac;

    private static double Margin(UnitEconomicsInputs i) => Margin((double)i.Aov, (double)i.GrossMargin, (double)i.PaymentSuccessRate, (double)i.Retention30d, (double)i.Cac, i.HorizonMonths);

    /// <summary>The root of a monotonic function between two bounds.</summary>
    private static double Bisect(Func<double, double> f, double low, double high)
    {
        var rising = f(high) > f(low);
        for (var i = 0; i < 200; i++)
        {
            var mid = (low + high) / 2;
            if (f(mid) < 0 == rising)
                low = mid;
            else
                high = mid;
        }
        return (low + high) / 2;
    }

    [Fact]
    public void Unit_margin_ltv_and_ltv_to_cac_follow_the_closed_form_of_the_retention_factor()
    {
        var result = UnitEconomics.Evaluate(Shop);

        var factor = Factor(0.45, 12);
        var ltv = 320 * 0.30 * 0.962 * factor;
        Assert.Equal(factor, (double)result.ExpectedOrders, 4);
        Assert.Equal(ltv, (double)result.Ltv, 2);
        Assert.Equal(ltv - 95, (double)result.UnitMargin, 2);
        Assert.Equal(ltv / 95, (double)result.LtvToCac!, 2);
    }

    [Fact]
    public void Each_break_even_value_zeroes_the_unit_margin_as_a_bisection_finds_it()
    {
        var breakEven = UnitEconomics.Evaluate(Shop).BreakEven;

        Assert.Equal(Bisect(aov => Margin(aov, 0.30, 0.962, 0.45, 95, 12), 0, 1_000), (double)breakEven.Aov!, 4);
        Assert.Equal(Bisect(m => Margin(320, m, 0.962, 0.45, 95, 12), 0, 1), (double)breakEven.GrossMargin!, 5);
        Assert.Equal(Bisect(p => Margin(320, 0.30, p, 0.45, 95, 12), 0, 1), (double)breakEven.PaymentSuccessRate!, 5);
        Assert.Equal(Bisect(r => Margin(320, 0.30, 0.962, r, 95, 12), 0, 1), (double)breakEven.Retention30d!, 5);
        Assert.Equal(Bisect(cac => Margin(320, 0.30, 0.962, 0.45, cac, 12), 0, 10_000), (double)breakEven.Cac!, 4);
    }

    [Fact]
    public void Over_two_months_the_break_even_retention_has_a_closed_form()
    {
        var inputs = Shop with { HorizonMonths = 2, Cac = 120m };

        var breakEven = UnitEconomics.Evaluate(inputs).BreakEven;

        // F = 1 + r, so 320 x 0.30 x 0.962 x (1 + r) = 120.
        Assert.Equal(120 / (320 * 0.30 * 0.962) - 1, (double)breakEven.Retention30d!, 6);
    }

    [Fact]
    public void A_break_even_outside_an_inputs_range_is_null()
    {
        var costly = UnitEconomics.Evaluate(Shop with { Cac = 2_000m });
        var cheap = UnitEconomics.Evaluate(Shop with { Cac = 10m });

        // A margin or success rate above 100 % would be needed, and not even r = 1 pays 2,000 back in 12 months.
        Assert.True(320 * 0.30 * 0.962 * 12 < 2_000);
        Assert.Null(costly.BreakEven.GrossMargin);
        Assert.Null(costly.BreakEven.PaymentSuccessRate);
        Assert.Null(costly.BreakEven.Retention30d);
        Assert.Null(costly.PaybackMonths);
        Assert.True(costly.UnitMargin < 0);
        // The first order alone covers 10, so no retention is low enough to break even.
        Assert.Null(cheap.BreakEven.Retention30d);
        Assert.Equal(0m, cheap.PaybackMonths);
    }

    [Fact]
    public void Payback_is_the_month_in_which_the_contribution_so_far_first_covers_cac()
    {
        var inputs = Shop with { Cac = 150m };
        var payback = (double)UnitEconomics.Evaluate(inputs).PaybackMonths!;

        var perOrder = 320 * 0.30 * 0.962;
        var month = (int)Math.Ceiling(payback);
        Assert.True(perOrder * Factor(0.45, month + 1) >= 150);
        Assert.True(perOrder * Factor(0.45, month) < 150);
        Assert.InRange(payback, month - 1, month);
    }

    [Fact]
    public void The_tornado_moves_each_input_by_15_20_and_30_percent_either_way_capping_rates_at_one()
    {
        var inputs = Shop with { Retention30d = 0.90m };
        var tornado = UnitEconomics.Evaluate(inputs).Tornado;

        Assert.Equal(["aov", "cac", "grossMargin", "paymentSuccessRate", "retention30d"], tornado.Select(b => b.Input).Order(StringComparer.Ordinal));
        Assert.Equal(tornado.Select(b => b.Swing).OrderDescending(), tornado.Select(b => b.Swing));
        foreach (var bar in tornado)
        {
            Assert.Equal([-0.30m, -0.20m, -0.15m, 0.15m, 0.20m, 0.30m], bar.Points.Select(p => p.Change));
            foreach (var point in bar.Points)
            {
                var moved = (double)bar.Value * (1 + (double)point.Change);
                var isRate = bar.Input is "grossMargin" or "paymentSuccessRate" or "retention30d";
                var value = isRate ? Math.Min(moved, 1) : moved;
                Assert.Equal(isRate && moved > 1, point.Capped);
                Assert.Equal(value, (double)point.Value, 6);
                var changed = bar.Input switch
                {
                    "aov" => inputs with { Aov = (decimal)value },
                    "grossMargin" => inputs with { GrossMargin = (decimal)value },
                    "paymentSuccessRate" => inputs with { PaymentSuccessRate = (decimal)value },
                    "retention30d" => inputs with { Retention30d = (decimal)value },
                    _ => inputs with { Cac = (decimal)value },
                };
                Assert.Equal(Margin(changed), (double)point.UnitMargin, 1);
            }
        }
        Assert.Contains(tornado.Single(b => b.Input == "retention30d").Points, p => p.Capped);
    }
}
