namespace Commerce.Intelligence.Recommendations;

/// <summary>Scores what serving would show: each test buyer's stored list, less what they bought before the cut, on a holdout split.</summary>
public static class RecommendationEvaluation
{
    public const string Precision = "precision_at_10";
    public const string Ndcg = "ndcg_at_10";

    public static RankingQuality Evaluate(RecommendationModel model, HoldoutSplit split, int k = 10)
    {
        var train = split.Train;
        return split.Evaluate(user =>
        {
            if (!model.Buyers.TryGetValue(train.Users[user], out var buyer))
                return [];
            var list = new List<int>(k);
            foreach (var ranked in buyer.Ranked)
            {
                if (!train.ItemIndex.TryGetValue(model.Items[ranked.Item], out var item))
                    continue;
                var cell = train.Cell(user, item);
                if (cell >= 0 && train.Orders[cell] > 0)
                    continue;
                list.Add(item);
                if (list.Count == k)
                    break;
            }
            return list;
        }, k);
    }

    /// <summary>Scores a single recall source on its own: its 10 best items the buyer has not bought.</summary>
    public static RankingQuality Evaluate(Recall.IRecallSource source, HoldoutSplit split, int k = 10)
    {
        var train = split.Train;
        return split.Evaluate(user =>
        {
            var scores = new float[train.ItemCount];
            source.Score(user, scores);
            return Recall.TopItems.Of(scores, k, Bought(train, user)).Select(t => t.Item).ToList();
        }, k);
    }

    private static int[] Bought(InteractionMatrix matrix, int user)
    {
        var bought = new List<int>();
        for (var c = matrix.RowStart[user]; c < matrix.RowStart[user + 1]; c++)
        {
            if (matrix.Orders[c] > 0)
                bought.Add(matrix.Column[c]);
        }
        return [.. bought];
    }

    public static IReadOnlyDictionary<string, double> Metrics(RankingQuality quality) => new Dictionary<string, double>
    {
        [Precision] = Math.Round(quality.PrecisionAt10, 5),
        [Ndcg] = Math.Round(quality.NdcgAt10, 5),
        ["test_buyers"] = quality.Users,
        ["test_pairs"] = quality.Pairs,
    };
}
