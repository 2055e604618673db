using Commerce.Intelligence.Churn;
using MathNet.Numerics;
using MathNet.Numerics.Distributions;

namespace Commerce.Intelligence.Tests.Churn;

/// <summary>The BG/NBD customer-base model against its published form and against customers simulated from it.</summary>
public sealed class BgNbdTests
{
    /// <summary>The parameters Fader, Hardie and Lee report for the CDNOW sample (time in weeks).</summary>
    private static readonly BgNbd Cdnow = new(0.243, 4.414, 0.793, 2.426);

    /// <summary>Equation 6 of the paper as written: beta and gamma functions and powers, no logs.</summary>
    private static double Likelihood(BgNbd m, int x, double tx, double t)
    {
        var common = SpecialFunctions.Gamma(m.R + x) * Math.Pow(m.Alpha, m.R) / SpecialFunctions.Gamma(m.R) / SpecialFunctions.Beta(m.A, m.B);
        var alive = SpecialFunctions.Beta(m.A, m.B + x) * common / Math.Pow(m.Alpha + t, m.R + x);
        var dead = x > 0 ? SpecialFunctions.Beta(m.A + 1, m.B + x - 1) * common / Math.Pow(m.Alpha + tx, m.R + x) : 0;
        return alive + dead;
    }

    [Theory]
    [InlineData(0, 0, 38.86)]
    [InlineData(1, 30.43, 38.86)]
    [InlineData(2, 1.71, 38.86)]
    [InlineData(7, 29.43, 32.0)]
    [InlineData(14, 36.5, 37.1)]
    public void The_log_likelihood_at_the_published_cdnow_parameters_matches_the_paper_formula(int x, double tx, double t)
    {
        var expected = Math.Log(Likelihood(Cdnow, x, tx, t));
        Assert.Equal(expected, Cdnow.LogLikelihood(new RepeatBuying(x, tx, t)), 10);
    }

    [Fact]
    public void The_hypergeometric_series_matches_its_closed_form()
    {
        // 2F1(1, 1; 2; z) = -ln(1 - z) / z.
        foreach (var z in new[] { 0.01, 0.3, 0.7, 0.95 })
            Assert.Equal(-Math.Log(1 - z) / z, BgNbd.Hypergeometric(1, 1, 2, z), 10);
    }

    private sealed record Simulated(RepeatBuying Seen, int LaterPurchases);

    /// <summary>
    /// Customers drawn from BG/NBD: a rate from gamma(r, alpha) and a dropout probability from beta(a, b); each buys at
    /// the rate and may drop out right after each repeat purchase. Seen for T days, then followed for <paramref name="horizon"/> more.
    /// </summary>
    private static List<Simulated> Simulate(BgNbd truth, int customers, double horizon, int seed)
    {
        var random = new Random(seed);
        var rates = new Gamma(truth.R, truth.Alpha, random);
        var dropouts = new Beta(truth.A, truth.B, random);
        var result = new List<Simulated>(customers);
        for (var i = 0; i < customers; i++)
        {
            var (rate, dropout, age) = (rates.Sample(), dropouts.Sample(), 200 + 200 * random.NextDouble());
            var (x, tx, later, now) = (0, 0.0, 0, 0.0);
            while (true)
            {
                now += -Math.Log(1 - random.NextDouble()) / rate;
                if (now > age + horizon)
                    break;
                if (now <= age)
                    (x, tx) = (x + 1, now);
                else
                    later++;
                if (random.NextDouble() < dropout)
                    break;
            }
            result.Add(new Simulated(new RepeatBuying(x, tx, age), later));
        }
        return result;
    }

    private static readonly BgNbd Truth = new(0.6, 40, 0.8, 2.5);

    [Fact]
    public void Fitted_on_simulated_customers_it_recovers_the_parameters_and_beats_the_truth_on_likelihood()
    {
        var customers = Simulate(Truth, 6000, 0, seed: 17).Select(s => s.Seen).ToList();
        var fitted = BgNbd.Fit(customers);

        Assert.InRange(fitted.R, Truth.R * 0.8, Truth.R * 1.25);
        Assert.InRange(fitted.Alpha, Truth.Alpha * 0.75, Truth.Alpha * 1.33);
        Assert.InRange(fitted.A, Truth.A * 0.7, Truth.A * 1.4);
        Assert.InRange(fitted.B, Truth.B * 0.7, Truth.B * 1.4);
        // The maximum of the likelihood is at least as high as its value at the parameters the data came from.
        var (atFit, atTruth) = (customers.Sum(fitted.LogLikelihood), customers.Sum(Truth.LogLikelihood));
        Assert.True(atFit >= atTruth, $"{fitted}: {atFit} < {atTruth}");
    }

    [Fact]
    public void Its_chance_of_no_purchase_and_expected_purchases_over_a_horizon_match_what_the_simulated_customers_then_did()
    {
        const double horizon = 90;
        var customers = Simulate(Truth, 20_000, horizon, seed: 23);
        // By how often they bought before the cut: the predictions must hold within each group, not only on average.
        foreach (var group in customers.GroupBy(c => Math.Min(c.Seen.Repeats, 3)))
        {
            var silent = group.Count(c => c.LaterPurchases == 0) / (double)group.Count();
            Assert.InRange(group.Average(c => Truth.ProbabilityNoPurchase(c.Seen, horizon)), silent - 0.02, silent + 0.02);
            var purchases = group.Average(c => (double)c.LaterPurchases);
            Assert.InRange(group.Average(c => Truth.ExpectedPurchases(c.Seen, horizon)), purchases * 0.9 - 0.01, purchases * 1.1 + 0.01);
        }
    }

    [Fact]
    public void A_customer_who_never_bought_again_is_alive_and_one_long_silent_after_a_busy_spell_is_likely_gone()
    {
        Assert.Equal(1, Cdnow.ProbabilityAlive(new RepeatBuying(0, 0, 30)));
        var silent = Cdnow.ProbabilityAlive(new RepeatBuying(10, 5, 38));
        var steady = Cdnow.ProbabilityAlive(new RepeatBuying(10, 37, 38));
        Assert.True(silent < 0.1 && steady > 0.9, $"{silent} {steady}");
    }

    [Theory]
    [InlineData(0, 0, 100)]
    [InlineData(3, 80, 200)]
    [InlineData(12, 150, 160)]
    public void Without_dropout_it_forecasts_as_the_nbd_model(int x, double tx, double t)
    {
        // a tiny and b huge: nobody drops out (where the fit lands on the Online Retail history), and each customer's
        // rate given their purchases is gamma(r + x, alpha + T), so the NBD's closed forms hold.
        var noDropout = new BgNbd(0.72, 66, 2e-4, 1e5);
        var seen = new RepeatBuying(x, tx, t);
        Assert.Equal((0.72 + x) / (66 + t) * 90, noDropout.ExpectedPurchases(seen, 90), 3);
        Assert.Equal(Math.Pow((66 + t) / (66 + t + 90), 0.72 + x), noDropout.ProbabilityNoPurchase(seen, 90), 3);
    }

    [Fact]
    public void Fitting_without_a_single_repeat_purchase_is_refused()
    {
        Assert.Throws<ArgumentException>(() => BgNbd.Fit([new RepeatBuying(0, 0, 10), new RepeatBuying(0, 0, 20)]));
    }
}
