namespace Commerce.Experiments.Tests;

/// <summary>
/// Simulated buyers with fixed seeds, analysed the way results are read (<see cref="ExperimentResults.Analyse"/>):
/// a true effect is found, no effect is found about 5% of the time (the level the tests promise), and the guard
/// rails hold a result back before the horizon and when the split is broken.
/// </summary>
public sealed class SimulationTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    private static Experiment Declared(int horizon, params (string Name, int Weight)[] variants) => new()
    {
        Id = "sim",
        Name = "simulation",
        Target = "home",
        Currency = "GBP",
        Variants = variants.Select(v => new ExperimentVariant(v.Name, v.Weight)).ToList(),
        ExposuresPerVariant = horizon,
        AttributionDays = 14,
        Status = ExperimentStatus.Stopped,
        CreatedAt = Start,
        StartedAt = Start,
        StoppedAt = Start.AddDays(30),
    };

    /// <summary>Customers split by the experiment's own hash; each converts with its variant's rate and spends a lognormal amount.</summary>
    private static List<ExposedCustomer> Simulate(Experiment experiment, int customers, int seed, IReadOnlyDictionary<string, double> conversion, double clickRate = 0.05)
    {
        var random = new Random(seed);
        var rows = new List<ExposedCustomer>(customers);
        for (var i = 0; i < customers; i++)
        {
            var id = $"c{seed}-{i}";
            var variant = experiment.Assign(id);
            var bought = random.NextDouble() < conversion[variant];
            var clicks = Enumerable.Range(0, 10).Count(_ => random.NextDouble() < clickRate);
            var revenue = bought ? Math.Round((decimal)Math.Exp(3 + 0.8 * Gaussian(random)), 2) : 0m;
            rows.Add(new ExposedCustomer(id, variant, Start.UtcDateTime.AddSeconds(i), 10, clicks, bought ? 1 : 0, revenue));
        }
        return rows;
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void A_true_lift_in_conversion_is_found_in_nearly_every_seeded_run()
    {
        var experiment = Declared(2_500, ("control", 1), ("treatment", 1));
        var rates = new Dictionary<string, double> { ["control"] = 0.10, ["treatment"] = 0.13 };
        var found = 0;
        for (var seed = 1; seed <= 20; seed++)
        {
            var result = ExperimentResults.Analyse(experiment, Simulate(experiment, 6_000, seed, rates), Start.AddDays(60));
            Assert.True(result.Readable);
            var conversion = result.Variants[1].ConversionVsControl!;
            if (conversion.Significant)
            {
                found++;
                Assert.True(conversion.Lower > 0, "a found lift is an increase");
            }
        }
        // 2,500 a side, 10% against 13%: the power is about 95%.
        Assert.InRange(found, 17, 20);
    }

    [Fact]
    public void With_no_effect_about_five_in_a_hundred_seeded_runs_are_called_significant()
    {
        var experiment = Declared(400, ("a", 1), ("b", 1));
        var rates = new Dictionary<string, double> { ["a"] = 0.2, ["b"] = 0.2 };
        const int Runs = 1_000;
        var conversion = 0;
        var revenue = 0;
        for (var seed = 1; seed <= Runs; seed++)
        {
            var result = ExperimentResults.Analyse(experiment, Simulate(experiment, 1_000, seed, rates), Start.AddDays(60));
            if (!result.Readable)
                continue;
            conversion += result.Variants[1].ConversionVsControl!.Significant ? 1 : 0;
            revenue += result.Variants[1].RevenuePerBuyerVsControl!.Significant ? 1 : 0;
        }
        // Over 1,000 runs the rate of a 5% test has a standard error of 0.7 points.
        Assert.InRange(conversion / (double)Runs, 0.03, 0.07);
        Assert.InRange(revenue / (double)Runs, 0.03, 0.07);
    }

    [Fact]
    public void Before_the_horizon_even_a_large_difference_is_not_called_significant()
    {
        var experiment = Declared(1_000, ("control", 1), ("treatment", 1)) with { Status = ExperimentStatus.Running, StoppedAt = null };
        var rates = new Dictionary<string, double> { ["control"] = 0.05, ["treatment"] = 0.25 };
        var customers = Simulate(experiment, 1_200, 3, rates);

        var result = ExperimentResults.Analyse(experiment, customers, Start.AddDays(60));

        Assert.False(result.Readable);
        Assert.Null(result.Horizon.Cutoff);
        Assert.True(result.Variants[1].ConversionVsControl!.PValue < 1e-6, "the difference is plain to see");
        Assert.False(result.Variants[1].ConversionVsControl!.Significant);
        Assert.StartsWith("Collecting", result.Verdict);
    }

    [Fact]
    public void After_the_horizon_the_result_waits_for_the_attribution_window_and_ignores_later_exposures()
    {
        var experiment = Declared(300, ("control", 1), ("treatment", 1)) with { Status = ExperimentStatus.Running, StoppedAt = null };
        var customers = Simulate(experiment, 2_000, 4, new Dictionary<string, double> { ["control"] = 0.1, ["treatment"] = 0.3 });
        var lastNeeded = experiment.Variants.Max(v => customers.Where(c => c.Variant == v.Name).ElementAt(299).ExposedAt);

        var early = ExperimentResults.Analyse(experiment, customers, new DateTimeOffset(lastNeeded.AddDays(13), TimeSpan.Zero));
        var late = ExperimentResults.Analyse(experiment, customers, new DateTimeOffset(lastNeeded.AddDays(14), TimeSpan.Zero));

        Assert.False(early.Readable);
        Assert.True(late.Readable);
        Assert.Equal(customers.Count(c => c.ExposedAt <= lastNeeded), late.Variants.Sum(v => v.Exposures));
        Assert.True(late.Variants[1].ConversionVsControl!.Significant);
    }

    [Fact]
    public void A_broken_split_is_flagged_and_nothing_is_called_significant()
    {
        var declared = Declared(2_000, ("control", 1), ("treatment", 1));
        // Exposures logged for only 80% of the treatment: the split the analysis sees is no longer 50/50.
        var customers = Simulate(declared, 10_000, 5, new Dictionary<string, double> { ["control"] = 0.1, ["treatment"] = 0.2 })
            .Where((c, i) => c.Variant == "control" || i % 5 != 0).ToList();

        var result = ExperimentResults.Analyse(declared, customers, Start.AddDays(60));

        Assert.True(result.SampleRatio.Mismatch);
        Assert.False(result.Readable);
        Assert.False(result.Variants[1].ConversionVsControl!.Significant);
        Assert.StartsWith("Sample-ratio mismatch", result.Verdict);
    }

    [Fact]
    public void The_hash_splits_customers_by_the_declared_weights_and_independently_per_experiment()
    {
        var experiment = Declared(100, ("a", 1), ("b", 3));
        var other = experiment with { Id = "other" };
        var ids = Enumerable.Range(0, 40_000).Select(i => $"customer-{i}").ToList();

        var inB = ids.Count(id => experiment.Assign(id) == "b");
        var inBoth = ids.Count(id => experiment.Assign(id) == "b" && other.Assign(id) == "b");

        Assert.InRange(inB / 40_000.0, 0.74, 0.76);
        Assert.InRange(inBoth / 40_000.0, 0.5525, 0.5725);
        Assert.All(ids.Take(100), id => Assert.Equal(experiment.Assign(id), experiment.Assign(id)));
    }
}
