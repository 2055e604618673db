using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers.LightGbm;

namespace Commerce.Intelligence.Recommendations;

/// <summary>A LightGBM LambdaRank model over the candidates' features, one query group per buyer.</summary>
public sealed class CandidateRanker
{
    public const int FeatureCount = 22;
    private readonly MLContext _ml;
    private readonly ITransformer _model;

    private CandidateRanker(MLContext ml, ITransformer model)
    {
        _ml = ml;
        _model = model;
    }

    static CandidateRanker()
    {
        if (CandidateRecall.FeatureNames.Length != FeatureCount)
            throw new InvalidOperationException($"The ranker expects {FeatureCount} features; the recall makes {CandidateRecall.FeatureNames.Length}.");
    }

    /// <param name="groups">each buyer's candidates with the items they went on to buy; buyers who bought none of their candidates teach nothing and are left out.</param>
    /// <exception cref="InvalidOperationException">no buyer bought any of their candidates: there is nothing to learn from.</exception>
    public static CandidateRanker Train(IEnumerable<(CandidateList Candidates, IReadOnlySet<int> Bought)> groups, RecommenderOptions options)
    {
        var rows = new List<Row>();
        uint group = 0;
        foreach (var (candidates, bought) in groups)
        {
            if (!candidates.Items.Any(bought.Contains))
                continue;
            group++;
            for (var r = 0; r < candidates.Count; r++)
                rows.Add(new Row { Label = bought.Contains(candidates.Items[r]) ? 1 : 0, Group = group, Features = candidates.Row(r).ToArray() });
        }
        if (group == 0)
            throw new InvalidOperationException("No buyer bought any of their candidates in the label window; the ranker has nothing to learn from.");
        var ml = new MLContext(options.Seed);
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("GroupKey", nameof(Row.Group))
            .Append(ml.Ranking.Trainers.LightGbm(new LightGbmRankingTrainer.Options
            {
                LabelColumnName = nameof(Row.Label),
                FeatureColumnName = nameof(Row.Features),
                RowGroupColumnName = "GroupKey",
                NumberOfLeaves = options.RankerLeaves,
                NumberOfIterations = options.RankerTrees,
                LearningRate = options.RankerLearningRate,
                MinimumExampleCountPerLeaf = options.RankerMinimumLeafExamples,
                Seed = options.Seed,
                Verbose = false,
                Silent = true,
            }));
        return new CandidateRanker(ml, pipeline.Fit(data));
    }

    /// <summary>A score per candidate of each list (higher is better), computed in one batch.</summary>
    public float[][] Score(IReadOnlyList<CandidateList> lists)
    {
        var rows = lists.SelectMany(l => Enumerable.Range(0, l.Count).Select(r => new Row { Features = l.Row(r).ToArray() }));
        var scored = _model.Transform(_ml.Data.LoadFromEnumerable(rows));
        var scores = scored.GetColumn<float>("Score").ToArray();
        var result = new float[lists.Count][];
        var at = 0;
        for (var i = 0; i < lists.Count; i++)
        {
            result[i] = scores.AsSpan(at, lists[i].Count).ToArray();
            at += lists[i].Count;
        }
        return result;
    }

    public void Save(Stream stream) => _ml.Model.Save(_model, null, stream);

    public static CandidateRanker Load(Stream stream, int seed = 7)
    {
        var ml = new MLContext(seed);
        return new CandidateRanker(ml, ml.Model.Load(stream, out _));
    }

    private sealed class Row
    {
        public float Label { get; set; }
        public uint Group { get; set; }

        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = [];
    }
}
