using Microsoft.ML;
using Microsoft.ML.Trainers.LightGbm;

namespace Commerce.Intelligence.Churn;

/// <summary>
/// Fits churn models on the labelled customers of one cut. A random share of them (stable for the seed) is
/// kept aside: the model learns from the rest, then Platt scaling fitted on the kept-aside customers turns
/// its scores into probabilities, so calibration never sees the rows the trees learned from nor any later cut.
/// </summary>
public sealed class ChurnTrainer(ChurnOptions options)
{
    /// <summary>Gradient-boosted trees (LightGBM) over every churn input.</summary>
    /// <exception cref="InvalidOperationException">too few customers, or only one outcome, to learn from.</exception>
    public ChurnModel TrainBoosted(IReadOnlyList<ChurnExample> examples) =>
        Train(examples, ChurnColumns.All, ml => ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
        {
            LabelColumnName = ChurnData.Label,
            FeatureColumnName = ChurnData.Features,
            NumberOfIterations = options.Trees,
            NumberOfLeaves = options.Leaves,
            MinimumExampleCountPerLeaf = options.MinCustomersPerLeaf,
            LearningRate = options.LearningRate,
            Seed = options.Seed,
            NumberOfThreads = 1,
            Booster = new GradientBooster.Options { L2Regularization = 1, FeatureFraction = options.InputShare, SubsampleFraction = 0.8, SubsampleFrequency = 1 },
        }));

    /// <summary>The reference: logistic regression on the eight recency, frequency, spend, tenure, gap and trend inputs, trained the same way.</summary>
    public ChurnModel TrainBaseline(IReadOnlyList<ChurnExample> examples) =>
        Train(examples, ChurnColumns.Baseline, ml => ml.Transforms.NormalizeMeanVariance(ChurnData.Features)
            .Append(ml.BinaryClassification.Trainers.LbfgsLogisticRegression(ChurnData.Label, ChurnData.Features)));

    private ChurnModel Train(IReadOnlyList<ChurnExample> examples, IReadOnlyList<ChurnColumn> columns, Func<MLContext, IEstimator<ITransformer>> learner)
    {
        var (fit, calibrate) = Split(examples);
        if (fit.Select(e => e.Churned).Distinct().Count() < 2 || calibrate.Select(e => e.Churned).Distinct().Count() < 2)
            throw new InvalidOperationException($"{examples.Count} customers with {examples.Count(e => e.Churned)} churners: too few of one outcome to learn from.");
        var ml = new MLContext(options.Seed);
        var model = learner(ml).Fit(ChurnData.View(ml, columns, fit.Select(e => (e.Input, e.Churned))));
        var scored = model.Transform(ChurnData.View(ml, columns, calibrate.Select(e => (e.Input, e.Churned))));
        var calibrator = ml.BinaryClassification.Calibrators.Platt(ChurnData.Label, ChurnData.Score).Fit(scored);
        return new ChurnModel(ml, model.Append(calibrator), columns, Typical(columns, fit));
    }

    /// <summary>Each input's median among the customers the model learned from (missing values left out).</summary>
    private static float[] Typical(IReadOnlyList<ChurnColumn> columns, List<ChurnExample> fit) =>
        [.. columns.Select(c =>
        {
            var values = fit.Select(e => c.Value(e.Input)).Where(v => !float.IsNaN(v)).Order().ToList();
            return values.Count == 0 ? float.NaN : values[values.Count / 2];
        })];

    /// <summary>Each customer falls in the calibration share by a hash of their id and the seed: the same split on every run.</summary>
    private (List<ChurnExample> Fit, List<ChurnExample> Calibrate) Split(IReadOnlyList<ChurnExample> examples)
    {
        var draw = FormattableString.Invariant($"churn-calibration-{options.Seed}");
        var calibrate = examples.Where(e => StableDraw.Fraction(draw, e.Input.Features.CustomerId) < options.CalibrationShare).ToList();
        return (examples.Except(calibrate).ToList(), calibrate);
    }
}
