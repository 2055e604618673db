using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Commerce.Intelligence.Churn;

/// <summary>Why a customer's risk is what it is: an input that raised it, in plain words, and by how much (probability points).</summary>
public sealed record ChurnReason(string Input, string Text, double Raise);

/// <summary>A customer's calibrated churn probability and the reasons that raised it most, strongest first.</summary>
public sealed record ChurnScore(string CustomerId, double Probability, IReadOnlyList<ChurnReason> Reasons);

/// <summary>How much the model's AUC falls when one input is shuffled across customers (permutation importance).</summary>
public sealed record InputImportance(string Input, string Meaning, double AucDrop);

/// <summary>
/// A trained churn model: the fitted ML.NET pipeline, whose last step is the Platt calibrator, the inputs it
/// reads, and each input's typical value among the customers it learned from. A customer's reasons are the
/// inputs whose own value, put back to the typical one, lowers their probability most: "no order for 75
/// days; usually orders every 20" is a reason when an ordinary recency would make them much safer.
/// </summary>
public sealed class ChurnModel
{
    public const string PipelineFile = "model.zip";
    public const string InputsFile = "inputs.json";

    private readonly MLContext _ml;
    private readonly ITransformer _pipeline;
    private readonly IReadOnlyList<ChurnColumn> _columns;
    private readonly float[] _typical;

    internal ChurnModel(MLContext ml, ITransformer pipeline, IReadOnlyList<ChurnColumn> columns, float[] typical)
    {
        _ml = ml;
        _pipeline = pipeline;
        _columns = columns;
        _typical = typical;
    }

    public IReadOnlyList<string> Inputs => _columns.Select(c => c.Name).ToList();

    /// <summary>Calibrated churn probabilities, in input order.</summary>
    public IReadOnlyList<double> Probabilities(IReadOnlyList<ChurnInput> inputs) =>
        inputs.Count == 0 ? [] : Probabilities(inputs.Select(i => ChurnColumns.Vector(_columns, i)).ToList());

    private List<double> Probabilities(IReadOnlyList<float[]> vectors)
    {
        var scored = _pipeline.Transform(ChurnData.View(_ml, _columns.Count, vectors.Select(v => (v, false))));
        return scored.GetColumn<float>(ChurnData.Probability).Select(p => (double)p).ToList();
    }

    public ChurnQuality Evaluate(IReadOnlyList<ChurnExample> examples) =>
        ChurnEvaluation.Evaluate(Probabilities(examples.Select(e => e.Input).ToList()), examples.Select(e => e.Churned).ToList());

    /// <summary>Probabilities with up to <paramref name="reasons"/> reasons each, all scored in one batch.</summary>
    public IReadOnlyList<ChurnScore> Score(IReadOnlyList<ChurnInput> inputs, int reasons)
    {
        if (inputs.Count == 0)
            return [];
        var vectors = inputs.Select(i => ChurnColumns.Vector(_columns, i)).ToList();
        // Each customer again with one input put back to its typical value, wherever theirs differs from it.
        var whatIfs = new List<(int Customer, int Column)>();
        var batch = new List<float[]>(vectors);
        for (var i = 0; i < vectors.Count; i++)
        {
            for (var c = 0; c < _columns.Count; c++)
            {
                if (vectors[i][c].Equals(_typical[c]))
                    continue;
                var copy = (float[])vectors[i].Clone();
                copy[c] = _typical[c];
                batch.Add(copy);
                whatIfs.Add((i, c));
            }
        }
        var probabilities = Probabilities(batch);
        var raised = new List<(int Column, double Raise)>[inputs.Count];
        for (var i = 0; i < raised.Length; i++)
            raised[i] = [];
        for (var k = 0; k < whatIfs.Count; k++)
        {
            var (customer, column) = whatIfs[k];
            var raise = probabilities[customer] - probabilities[inputs.Count + k];
            if (raise > 0)
                raised[customer].Add((column, raise));
        }
        return inputs.Select((input, i) => new ChurnScore(
            input.Features.CustomerId,
            probabilities[i],
            raised[i]
                .OrderByDescending(r => r.Raise)
                .Select(r => new ChurnReason(_columns[r.Column].Name, _columns[r.Column].Reason(input), Math.Round(r.Raise, 4)))
                // Two inputs can tell one story (recency and the overdue ratio): it is told once.
                .DistinctBy(r => r.Text, StringComparer.Ordinal)
                .Take(reasons)
                .ToList()))
            .ToList();
    }

    /// <summary>Permutation importance on labelled customers: the fall in AUC when each input is shuffled, largest first.</summary>
    public IReadOnlyList<InputImportance> Importance(IReadOnlyList<ChurnExample> examples, int permutations = 3)
    {
        var parts = Flatten(_pipeline).ToList();
        // The first predictor reads the inputs; the calibrator after it reads only its score.
        var predictor = parts.OfType<ISingleFeaturePredictionTransformer<object>>().First();
        var data = ChurnData.View(_ml, _columns, examples.Select(e => (e.Input, e.Churned)));
        foreach (var step in parts.TakeWhile(p => !ReferenceEquals(p, predictor)))
            data = step.Transform(data);
        var drops = _ml.BinaryClassification.PermutationFeatureImportance(predictor, data, ChurnData.Label, permutationCount: permutations);
        return _columns.Select((c, i) => new InputImportance(c.Name, c.Meaning, Math.Round(-drops[i].AreaUnderRocCurve.Mean, 5)))
            .OrderByDescending(i => i.AucDrop)
            .ToList();
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) =>
        transformer is IEnumerable<ITransformer> chain ? chain.SelectMany(Flatten) : [transformer];

    private sealed record StoredInputs(IReadOnlyList<string> Inputs, IReadOnlyList<float> Typical);

    /// <summary>An input no training customer had (days since a visit, with no behaviour events) is typically NaN.</summary>
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The model as files: the ML.NET pipeline and the list of its inputs with their typical values.</summary>
    public IReadOnlyDictionary<string, byte[]> ToFiles()
    {
        using var pipeline = new MemoryStream();
        _ml.Model.Save(_pipeline, ChurnData.View(_ml, _columns.Count, []).Schema, pipeline);
        return new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            [PipelineFile] = pipeline.ToArray(),
            [InputsFile] = JsonSerializer.SerializeToUtf8Bytes(new StoredInputs(Inputs, _typical), Json),
        };
    }

    /// <exception cref="InvalidDataException">the files are not a churn model this code can read (an input it does not know).</exception>
    public static ChurnModel FromFiles(Func<string, Stream> open)
    {
        StoredInputs stored;
        using (var inputs = open(InputsFile))
            stored = JsonSerializer.Deserialize<StoredInputs>(inputs, Json) ?? throw new InvalidDataException($"{InputsFile} is empty.");
        var byName = ChurnColumns.All.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var unknown = stored.Inputs.Where(n => !byName.ContainsKey(n)).ToList();
        if (unknown.Count > 0 || stored.Typical.Count != stored.Inputs.Count)
            throw new InvalidDataException($"The churn model reads inputs this version does not compute: {string.Join(", ", unknown)}.");
        var ml = new MLContext();
        using var pipeline = open(PipelineFile);
        return new ChurnModel(ml, ml.Model.Load(pipeline, out _), stored.Inputs.Select(n => byName[n]).ToList(), [.. stored.Typical]);
    }
}
