using System.Diagnostics;
using System.Globalization;
using Commerce.Analytics.Features;
using Commerce.Analytics.History;
using Commerce.Hosting;
using Commerce.Intelligence;
using Commerce.Intelligence.Churn;

namespace Commerce.Functions.Retention;

/// <summary>The offline churn command: the churn model's honest evaluation on the Online Retail time split.</summary>
public static class ChurnCommands
{
    /// <summary>The model learns from customers as of this cut, labelled by the horizon after it.</summary>
    public static readonly DateTime TrainingCut = new(2011, 6, 11, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>And is measured on customers as of this one, whose horizon it never saw.</summary>
    public static readonly DateTime EvaluationCut = new(2011, 9, 9, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// `churn-eval --data online_retail.csv.gz`: fits the logistic-regression reference and the boosted model on the
    /// training cut, then prints both on the evaluation cut, the boosted model's input importance and a few
    /// customers' reasons; the last four lines are its auc, pr_auc, brier and top_decile_lift. `--training-cut` and
    /// `--evaluation-cut` (yyyy-MM-dd) move the two cuts, for a validation split from the training cut's past;
    /// `--in-period` adds a cross-validated reference over the evaluation cut's own outcomes.
    /// </summary>
    public static async Task<int> EvaluateAsync(string[] arguments, IServiceProvider services, TextWriter output)
    {
        var options = CommandArguments.Parse(arguments);
        if (options.GetValueOrDefault("data") is not { } path || !File.Exists(path))
        {
            await Console.Error.WriteLineAsync("churn-eval needs --data <online_retail.csv[.gz]> (an existing file).");
            return 64;
        }
        if (!options.TryGet("training-cut", TrainingCut, CommandArguments.UtcDay, out var trainingCut)
            || !options.TryGet("evaluation-cut", EvaluationCut, CommandArguments.UtcDay, out var evaluationCut) || evaluationCut <= trainingCut)
        {
            await Console.Error.WriteLineAsync("churn-eval: --training-cut and --evaluation-cut are dates (yyyy-MM-dd), the training cut the earlier.");
            return 64;
        }
        var churn = services.GetRequiredService<ChurnOptions>();
        var builder = services.GetRequiredService<CustomerFeatureBuilder>();
        var clock = Stopwatch.StartNew();
        var history = PurchaseHistory.FromOnlineRetail(await OnlineRetailFile.LoadAsync(path));
        var noProfiles = new Dictionary<string, CustomerProfile>();
        var training = ChurnExamples.Labelled(builder, history, [], noProfiles, trainingCut, churn.HorizonDays);
        var evaluation = ChurnExamples.Labelled(builder, history, [], noProfiles, evaluationCut, churn.HorizonDays);
        await output.WriteLineAsync(Invariant($"training cut {trainingCut:yyyy-MM-dd}: {Describe(training)}; evaluation cut {evaluationCut:yyyy-MM-dd}: {Describe(evaluation)}; horizon {churn.HorizonDays} days (data read in {clock.Elapsed.TotalSeconds:F1} s)"));

        var trainer = new ChurnTrainer(churn);
        await PrintCustomerBase(output, history, evaluation, evaluationCut, churn.HorizonDays);
        await Print(output, $"logistic regression ({ChurnColumns.Baseline.Count} inputs)", trainer.TrainBaseline(training).Evaluate(evaluation));
        clock.Restart();
        var model = trainer.TrainBoosted(training);
        var seconds = clock.Elapsed.TotalSeconds;
        var quality = model.Evaluate(evaluation);
        await Print(output, $"boosted trees ({model.Inputs.Count} inputs)", quality);
        await output.WriteLineAsync(Invariant($"training_seconds={seconds:F1}"));
        await output.WriteLineAsync("permutation importance on the evaluation cut (fall in AUC when the input is shuffled):");
        foreach (var input in model.Importance(evaluation).Take(12))
            await output.WriteLineAsync(Invariant($"  {input.Input,-24} {input.AucDrop,8:F4}  {input.Meaning}"));
        await output.WriteLineAsync("the riskiest customers who had ordered in the last 120 days, with their reasons:");
        var recent = evaluation.Where(e => e.Input.Features.RecencyDays <= 120).Select(e => e.Input).ToList();
        foreach (var score in model.Score(recent, churn.Reasons).OrderByDescending(s => s.Probability).Take(5))
            await output.WriteLineAsync(Invariant($"  {score.CustomerId} {score.Probability:P0}: {string.Join("; ", score.Reasons.Select(r => r.Text))}"));
        if (options.ContainsKey("in-period"))
            await PrintInPeriodReference(output, trainer, evaluation);
        await output.WriteLineAsync(Invariant($"auc={quality.Auc:F4}"));
        await output.WriteLineAsync(Invariant($"pr_auc={quality.PrAuc:F4}"));
        await output.WriteLineAsync(Invariant($"brier={quality.Brier:F4}"));
        await output.WriteLineAsync(Invariant($"top_decile_lift={quality.TopDecileLift:F4}"));
        return 0;
    }

    /// <summary>
    /// The classic answer without any training labels: BG/NBD fitted on the evaluation cut's customers (their history
    /// before it only), their chance of no purchase over the horizon as the score; then its parameters and the purchase
    /// days it expects in the horizon against those that happened, which shows how far the horizon departs from the past.
    /// </summary>
    private static async Task PrintCustomerBase(TextWriter output, PurchaseHistory history, IReadOnlyList<ChurnExample> evaluation, DateTime cut, int horizonDays)
    {
        var clock = Stopwatch.StartNew();
        var customerBase = BgNbd.Fit([.. evaluation.Select(e => e.Input.Signals.Buying)]);
        var seconds = clock.Elapsed.TotalSeconds;
        await Print(output, "BG/NBD alone (no training)", ChurnEvaluation.Evaluate(
            [.. evaluation.Select(e => customerBase.ProbabilityNoPurchase(e.Input.Signals.Buying, horizonDays))], [.. evaluation.Select(e => e.Churned)]));
        var customers = evaluation.Select(e => e.Input.Features.CustomerId).ToHashSet(StringComparer.Ordinal);
        var happened = history.Between(cut, cut.AddDays(horizonDays)).Sales
            .Where(p => customers.Contains(p.CustomerId))
            .Select(p => (p.CustomerId, p.At.Date))
            .Distinct()
            .Count();
        var expected = evaluation.Sum(e => customerBase.ExpectedPurchases(e.Input.Signals.Buying, horizonDays));
        var (r, alpha, a, b) = customerBase;
        await output.WriteLineAsync(Invariant(
            $"  BG/NBD r {r:G3}, alpha {alpha:G3} days, a {a:G3}, b {b:G3} (dropout after a purchase {a / (a + b):P2}; fitted in {seconds:F2} s); expects {expected:F0} purchase days in the horizon, {happened} happened"));
    }

    /// <summary>
    /// `--in-period`: both models cross-validated over the evaluation cut's own customers (five folds by a stable
    /// draw on the customer id), each fold fitted on the other four folds' outcomes in the very horizon it is scored
    /// on. Not a held-out result (the model learns the horizon's season): a reference for how much these inputs can
    /// tell about that horizon at best, which separates the inputs' limit from the change of season between the cuts.
    /// </summary>
    private static async Task PrintInPeriodReference(TextWriter output, ChurnTrainer trainer, IReadOnlyList<ChurnExample> evaluation)
    {
        const int Folds = 5;
        var fold = evaluation.ToDictionary(e => e, e => (int)(StableDraw.Fraction("churn-in-period", e.Input.Features.CustomerId) * Folds));
        var boosted = new List<double>();
        var baseline = new List<double>();
        for (var k = 0; k < Folds; k++)
        {
            var fit = evaluation.Where(e => fold[e] != k).ToList();
            var held = evaluation.Where(e => fold[e] == k).ToList();
            boosted.Add(trainer.TrainBoosted(fit).Evaluate(held).Auc);
            baseline.Add(trainer.TrainBaseline(fit).Evaluate(held).Auc);
        }
        await output.WriteLineAsync(Invariant(
            $"in-period reference ({Folds}-fold over the evaluation cut's own outcomes, not a held-out result): boosted auc {boosted.Average():F4} (folds {string.Join(" ", boosted.Select(a => a.ToString("F4", CultureInfo.InvariantCulture)))}), logistic regression auc {baseline.Average():F4}"));
    }

    private static string Describe(IReadOnlyList<ChurnExample> examples) =>
        Invariant($"{examples.Count} customers, {examples.Count(e => e.Churned)} churned ({examples.Count(e => e.Churned) / (double)examples.Count:P1})");

    private static Task Print(TextWriter output, string name, ChurnQuality quality) =>
        output.WriteLineAsync(Invariant($"{name,-34} auc {quality.Auc:F4}  pr_auc {quality.PrAuc:F4}  brier {quality.Brier:F4}  top_decile_lift {quality.TopDecileLift:F2}"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
