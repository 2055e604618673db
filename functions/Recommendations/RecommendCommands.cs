using System.Diagnostics;
using System.Globalization;
using Commerce.Analytics.History;
using Commerce.Hosting;
using Commerce.Intelligence.Recommendations;
using Commerce.Intelligence.Recommendations.Recall;

namespace Commerce.Functions.Recommendations;

/// <summary>The offline commands: the quality of the recommender on the Online Retail time split, and recommendations for a TSV file.</summary>
public static class RecommendCommands
{
    /// <summary>The protocol's cut: train on purchases before it, test on pairs first bought from it on.</summary>
    public static readonly DateTime ProtocolCut = new(2011, 9, 9);

    /// <summary>
    /// `recommend-eval --data online_retail.csv.gz [--cut yyyy-MM-dd]`: popularity, item cosine and EASE (lambda 500)
    /// as references, then the production recommender (multi-source recall + ranker, as serving shows it);
    /// its precision@10 and nDCG@10 are the last two lines.
    /// </summary>
    public static async Task<int> EvaluateAsync(string[] arguments, IServiceProvider services, TextWriter output)
    {
        var options = CommandArguments.Parse(arguments);
        if (options.GetValueOrDefault("data") is not { } path || !File.Exists(path))
        {
            await Console.Error.WriteLineAsync("recommend-eval needs --data <online_retail.csv[.gz]> (an existing file).");
            return 64;
        }
        var cut = ProtocolCut;
        if (options.GetValueOrDefault("cut") is { } cutText && !DateTime.TryParseExact(cutText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out cut))
        {
            await Console.Error.WriteLineAsync($"recommend-eval --cut must be yyyy-MM-dd, not '{cutText}'.");
            return 64;
        }
        var clock = Stopwatch.StartNew();
        var history = PurchaseHistory.FromOnlineRetail(await OnlineRetailFile.LoadAsync(path));
        var split = HoldoutSplit.Create(history, cut);
        var train = split.Train;
        await output.WriteLineAsync(FormattableString.Invariant($"data: {train.UserCount} customers, {train.ItemCount} items before {cut:yyyy-MM-dd}; test: {split.Test.Count} customers, {split.TestPairs} new pairs (loaded in {clock.Elapsed.TotalSeconds:F1} s)"));
        async Task Print(string name, RankingQuality quality) =>
            await output.WriteLineAsync(FormattableString.Invariant($"{name,-28} precision@10 {quality.PrecisionAt10:F4}  nDCG@10 {quality.NdcgAt10:F4}"));
        await Print("popularity", RecommendationEvaluation.Evaluate(Popularity.AllTime(train), split));
        await Print("item cosine", RecommendationEvaluation.Evaluate(ItemSimilarity.Cosine(train), split));
        var recommender = new RecommenderOptions();
        await Print($"EASE (lambda {recommender.EaseLambda})", RecommendationEvaluation.Evaluate(ItemSimilarity.Ease(train, recommender.EaseLambda), split));

        clock.Restart();
        var trained = new RecommendationTrainer(recommender).Train(split.LearnFrom, cut);
        var model = RecommendationModel.From(trained, recommender);
        var seconds = clock.Elapsed.TotalSeconds;
        var quality = RecommendationEvaluation.Evaluate(model, split);
        await Print("recall + ranker", quality);
        await output.WriteLineAsync(FormattableString.Invariant($"training_seconds={seconds:F1}"));
        await output.WriteLineAsync(FormattableString.Invariant($"precision_at_10={quality.PrecisionAt10:F4}"));
        await output.WriteLineAsync(FormattableString.Invariant($"ndcg_at_10={quality.NdcgAt10:F4}"));
        return 0;
    }

    /// <summary>`recommend --train FILE.tsv --out RECS.tsv [--k 10]`.</summary>
    public static async Task<int> RecommendAsync(string[] arguments, IServiceProvider services, TextWriter output)
    {
        var options = CommandArguments.Parse(arguments);
        var input = options.GetValueOrDefault("train");
        var target = options.GetValueOrDefault("out");
        var k = 10;
        if (input is null || !File.Exists(input) || target is null
            || (options.GetValueOrDefault("k") is { } kText && (!int.TryParse(kText, NumberStyles.None, CultureInfo.InvariantCulture, out k) || k is < 1 or > 1000)))
        {
            await Console.Error.WriteLineAsync("recommend needs --train <existing user<TAB>item[<TAB>weight[<TAB>unix-time]] file> --out <file> [--k 1-1000].");
            return 64;
        }
        List<Interaction> interactions;
        try
        {
            using var reader = File.OpenText(input);
            interactions = OfflineRecommendations.ReadTsv(reader);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync($"recommend: {input}: {e.Message}");
            return 65;
        }
        var clock = Stopwatch.StartNew();
        var rows = OfflineRecommendations.Recommend(interactions, k, new RecommenderOptions()).ToList();
        await using (var writer = new StreamWriter(target))
            OfflineRecommendations.WriteTsv(writer, rows);
        await output.WriteLineAsync(FormattableString.Invariant($"{interactions.Count} rows, {rows.Select(r => r.User).Distinct().Count()} users: {rows.Count} recommendations in {clock.Elapsed.TotalSeconds:F1} s -> {target}"));
        return 0;
    }
}
