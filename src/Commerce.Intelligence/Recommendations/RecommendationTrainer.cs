namespace Commerce.Intelligence.Recommendations;

/// <summary>
/// Trains the recommender as of a cut: the ranker learns on an earlier split (recall fitted on what was known
/// <see cref="RecommenderOptions.RankerLabelDays"/> before the cut, labels = items first bought from then
/// until the cut), so it never sees anything at or after the cut; the recall is then fitted again on
/// everything before the cut. Interactions without times, or spanning less than two label windows, hold out
/// a fifth of each buyer's items instead.
/// </summary>
public sealed class RecommendationTrainer(RecommenderOptions options)
{
    public RecommenderOptions Options { get; } = options;

    public TrainedRecommender Train(IReadOnlyList<Interaction> interactions, DateTime cut, RankingInputs? inputs = null, Action<string>? progress = null)
    {
        inputs ??= RankingInputs.None;
        var known = interactions.Where(i => i.At < cut).ToList();
        if (known.Count == 0)
            throw new InvalidOperationException($"No interactions before {cut:O}; there is nothing to train on.");
        // A time split needs history before the label window; shorter or untimed data holds out items at random.
        var timed = known.Exists(i => i.At != default) && (cut - known.Min(i => i.At)).TotalDays >= 2 * Options.RankerLabelDays;
        var (learn, labels) = timed ? TimeSplit(known, cut) : RandomSplit(known);
        var labelMatrix = InteractionMatrix.Build(learn, timed ? cut.AddDays(-Options.RankerLabelDays) : cut);
        progress?.Invoke($"ranker split: {labelMatrix.UserCount} users, {labelMatrix.ItemCount} items");
        var labelRecall = CandidateRecall.Fit(labelMatrix, Options, inputs);
        var groups = labels
            .Where(l => labelMatrix.UserIndex.ContainsKey(l.Key))
            .Select(l => (User: labelMatrix.UserIndex[l.Key], Bought: (IReadOnlySet<int>)l.Value.Where(labelMatrix.ItemIndex.ContainsKey).Select(s => labelMatrix.ItemIndex[s]).ToHashSet()))
            .Where(g => g.Bought.Count > 0)
            .OrderBy(g => g.User)
            .ToList();
        var lists = new CandidateList[groups.Count];
        Parallel.For(0, groups.Count, g => lists[g] = labelRecall.For(groups[g].User));
        progress?.Invoke($"ranker examples: {groups.Count} buyers, {lists.Sum(l => l.Count)} candidates");
        var ranker = CandidateRanker.Train(lists.Select((l, g) => (l, groups[g].Bought)), Options);
        progress?.Invoke("ranker trained");

        var matrix = InteractionMatrix.Build(known, cut);
        var recall = CandidateRecall.Fit(matrix, Options, inputs);
        progress?.Invoke($"recall fitted: {matrix.UserCount} users, {matrix.ItemCount} items");
        return new TrainedRecommender(recall, ranker);
    }

    private (List<Interaction> Learn, Dictionary<string, HashSet<string>> Labels) TimeSplit(List<Interaction> known, DateTime cut)
    {
        var labelFrom = cut.AddDays(-Options.RankerLabelDays);
        var learn = known.Where(i => i.At < labelFrom).ToList();
        var seen = learn.Where(i => i.Kind == InteractionKind.Purchase).Select(i => (i.UserId, i.Sku)).ToHashSet();
        var labels = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var later in known)
        {
            if (later.At < labelFrom || later.Kind != InteractionKind.Purchase || seen.Contains((later.UserId, later.Sku)))
                continue;
            if (!labels.TryGetValue(later.UserId, out var items))
                labels[later.UserId] = items = new HashSet<string>(StringComparer.Ordinal);
            items.Add(later.Sku);
        }
        return (learn, labels);
    }

    private (List<Interaction> Learn, Dictionary<string, HashSet<string>> Labels) RandomSplit(List<Interaction> known)
    {
        var random = new Random(Options.Seed);
        var learn = new List<Interaction>();
        var labels = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var user in known.GroupBy(i => i.UserId, StringComparer.Ordinal))
        {
            var items = user.Select(i => i.Sku).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var held = items.Count >= 5 ? items.Where(_ => random.NextDouble() < 0.2).ToHashSet(StringComparer.Ordinal) : [];
            learn.AddRange(user.Where(i => !held.Contains(i.Sku)));
            if (held.Count > 0)
                labels[user.Key] = held;
        }
        return (learn, labels);
    }
}

/// <summary>A fitted recall and ranker: the best new items for any buyer known to the recall.</summary>
public sealed class TrainedRecommender(CandidateRecall recall, CandidateRanker ranker)
{
    public CandidateRecall Recall { get; } = recall;
    public CandidateRanker Ranker { get; } = ranker;

    /// <summary>Each user's candidates, best first, with the ranker's scores.</summary>
    public IReadOnlyList<RankedList> Rank(IReadOnlyList<int> users, int batch = 256)
    {
        var result = new RankedList[users.Count];
        for (var start = 0; start < users.Count; start += batch)
        {
            var count = Math.Min(batch, users.Count - start);
            var lists = new CandidateList[count];
            Parallel.For(0, count, i => lists[i] = Recall.For(users[start + i]));
            var scores = Ranker.Score(lists);
            for (var i = 0; i < count; i++)
            {
                var order = Enumerable.Range(0, lists[i].Count).OrderByDescending(r => scores[i][r]).ThenBy(r => lists[i].Items[r]).ToArray();
                result[start + i] = new RankedList(lists[i], order, scores[i]);
            }
        }
        return result;
    }
}

/// <summary>A buyer's candidates in ranked order (<see cref="Order"/> indexes the candidate list).</summary>
public sealed record RankedList(CandidateList Candidates, int[] Order, float[] Scores)
{
    public IEnumerable<int> Items => Order.Select(r => Candidates.Items[r]);
}
