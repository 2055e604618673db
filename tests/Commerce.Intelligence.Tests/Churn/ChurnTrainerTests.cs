using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Intelligence.Churn;

namespace Commerce.Intelligence.Tests.Churn;

/// <summary>
/// The churn models on generated customers whose true churn probability is known: it rises with the days since the
/// last order and is much higher for customers who buy one unit at a time than for those who buy by the case
/// (spend per line is the same for both, and each pack size is its own item at its own price, so nothing else
/// gives the pack size away).
/// </summary>
public sealed class ChurnTrainerTests
{
    private static readonly DateTime Cut = new(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly ChurnOptions Options = new();
    private static readonly CustomerFeatureBuilder Builder = new(new FeatureSettings());

    private sealed record Generated(IReadOnlyList<ChurnExample> Examples, IReadOnlyDictionary<string, double> TrueProbability);

    private static Generated Generate(int seed, int customers)
    {
        var random = new Random(seed);
        var lines = new List<Purchase>();
        var truth = new Dictionary<string, double>();
        for (var c = 0; c < customers; c++)
        {
            var id = $"s{seed}-c{c}";
            var (orders, gap, recency) = (random.Next(1, 7), random.Next(10, 41), random.Next(1, 151));
            var units = random.NextDouble() < 0.5 ? 1 : 24;
            for (var o = 0; o < orders; o++)
                lines.Add(new Purchase(id, $"{id}-o{o}", $"A{units}", units, 24m / units, Cut.AddDays(-recency - o * gap), "United Kingdom") { Name = "RED MUG" });
            var p = 1 / (1 + Math.Exp(-(0.03 * (recency - 60) + (units == 1 ? 1.5 : -1.5))));
            truth[id] = p;
            if (random.NextDouble() >= p)
                lines.Add(new Purchase(id, $"{id}-next", $"A{units}", units, 24m / units, Cut.AddDays(10), "United Kingdom") { Name = "RED MUG" });
        }
        var examples = ChurnExamples.Labelled(Builder, new PurchaseHistory(lines), [], new Dictionary<string, CustomerProfile>(), Cut, Options.HorizonDays);
        return new Generated(examples, truth);
    }

    private static readonly Lazy<(ChurnModel Model, Generated Test)> Trained = new(() =>
        (new ChurnTrainer(Options).TrainBoosted(Generate(1, 2000).Examples), Generate(2, 2000)));

    [Fact]
    public void The_boosted_model_ranks_fresh_customers_nearly_as_well_as_the_true_probabilities_and_is_calibrated()
    {
        var (model, test) = Trained.Value;
        var churned = test.Examples.Select(e => e.Churned).ToList();
        var best = ChurnEvaluation.Evaluate(test.Examples.Select(e => test.TrueProbability[e.Input.Features.CustomerId]).ToList(), churned).Auc;
        var quality = model.Evaluate(test.Examples);

        Assert.True(quality.Auc > best - 0.03, $"AUC {quality.Auc:F3} against {best:F3} for the true probabilities");
        var predicted = model.Probabilities(test.Examples.Select(e => e.Input).ToList());
        Assert.InRange(predicted.Average() - churned.Average(c => c ? 1.0 : 0), -0.04, 0.04);
    }

    [Fact]
    public void The_baseline_without_pack_size_ranks_worse_than_the_boosted_model_that_sees_it()
    {
        var (model, test) = Trained.Value;
        var baseline = new ChurnTrainer(Options).TrainBaseline(Generate(1, 2000).Examples);
        Assert.True(model.Evaluate(test.Examples).Auc > baseline.Evaluate(test.Examples).Auc + 0.05);
    }

    [Fact]
    public void Permutation_importance_puts_pack_size_first_and_a_churners_reasons_name_it_in_words()
    {
        var (model, test) = Trained.Value;
        Assert.Equal("units_per_line", model.Importance(test.Examples).First().Input);

        var single = test.Examples.Where(e => e.Input.Signals.UnitsPerLine == 1 && e.Input.Features.RecencyDays > 120).Select(e => e.Input).First();
        var score = model.Score([single], 3).Single();
        Assert.Contains(score.Reasons, r => r.Text == "buys single units, not packs or cases");
        Assert.Contains(score.Reasons, r => r.Text.StartsWith($"no order for {single.Features.RecencyDays} days", StringComparison.Ordinal));
        Assert.All(score.Reasons, r => Assert.True(r.Raise > 0));
        Assert.Equal(model.Probabilities([single]).Single(), score.Probability, 12);
    }

    [Fact]
    public void A_model_read_back_from_its_files_scores_exactly_as_before()
    {
        var (model, test) = Trained.Value;
        var files = model.ToFiles();
        var read = ChurnModel.FromFiles(name => new MemoryStream(files[name]));
        var inputs = test.Examples.Take(200).Select(e => e.Input).ToList();
        Assert.Equal(model.Probabilities(inputs), read.Probabilities(inputs));
        Assert.Equal(model.Score(inputs, 3).SelectMany(s => s.Reasons), read.Score(inputs, 3).SelectMany(s => s.Reasons));
    }

    [Fact]
    public void Files_naming_an_input_this_version_does_not_compute_are_refused()
    {
        var files = Trained.Value.Model.ToFiles().ToDictionary();
        files[ChurnModel.InputsFile] = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(files[ChurnModel.InputsFile]).Replace("units_per_line", "shoe_size"));
        Assert.Throws<InvalidDataException>(() => ChurnModel.FromFiles(name => new MemoryStream(files[name])));
    }

    [Fact]
    public void Training_needs_churners_and_stayers()
    {
        var allChurned = Generate(3, 300).Examples.Select(e => e with { Churned = true }).ToList();
        Assert.Throws<InvalidOperationException>(() => new ChurnTrainer(Options).TrainBoosted(allChurned));
    }
}
