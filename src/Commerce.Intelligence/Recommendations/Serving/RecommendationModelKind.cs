using Commerce.Analytics.History;
using Commerce.Catalog.Products;
using Commerce.Intelligence.Models;

namespace Commerce.Intelligence.Recommendations.Serving;

/// <summary>
/// The recommendations model for the registry: trains on the order history up to now minus the holdout window,
/// evaluates what serving would show on that window, and scores the live model on the same window.
/// </summary>
public sealed class RecommendationModelKind(IPurchaseHistorySource history, ProductCatalog catalog, RecommendationSettings settings, RecommenderOptions options) : IModelKind
{
    public const string Name = "recommendations";
    public const string ModelFile = "model.bin";
    public const string RankerFile = "ranker.zip";

    public string Kind => Name;
    public string PrimaryMetric => RecommendationEvaluation.Ndcg;

    public async Task<TrainedModel> TrainAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var from = now.AddDays(-settings.HistoryDays);
        var cut = now.AddDays(-settings.HoldoutDays);
        var purchases = await history.LoadAsync(from, now, cancellationToken).ConfigureAwait(false);
        var interactions = Interactions.FromSales(purchases).ToList();
        var split = HoldoutSplit.Create(interactions, cut.UtcDateTime, now.UtcDateTime);
        if (split.Train.UserCount == 0)
            throw new ModelTrainingException($"No purchases between {from:yyyy-MM-dd} and {cut:yyyy-MM-dd} to learn from.");
        if (split.Test.Count == 0)
            throw new ModelTrainingException($"No buyer seen before {cut:yyyy-MM-dd} bought a new item since; there is no holdout to evaluate on.");
        var products = await catalog.ProductsAsync(cancellationToken).ConfigureAwait(false);
        var facts = products.Values.ToDictionary(p => p.Product.Sku, p => new ItemFacts(p.Product.Category, p.Product.ListPrice,
            p.Product.Cost is { } cost && p.Product.ListPrice > 0 ? (double)((p.Product.ListPrice - cost) / p.Product.ListPrice) : null), StringComparer.OrdinalIgnoreCase);
        var inputs = RankingInputs.FromCatalog(split.LearnFrom, facts);
        TrainedRecommender trained;
        try
        {
            trained = await Task.Run(() => new RecommendationTrainer(options).Train(split.LearnFrom, cut.UtcDateTime, inputs), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw new ModelTrainingException(e.Message, e);
        }
        var model = RecommendationModel.From(trained, options, inputs);
        using var modelFile = new MemoryStream();
        model.Write(modelFile);
        using var rankerFile = new MemoryStream();
        trained.Ranker.Save(rankerFile);
        return new TrainedModel(
            new Dictionary<string, byte[]> { [ModelFile] = modelFile.ToArray(), [RankerFile] = rankerFile.ToArray() },
            RecommendationEvaluation.Metrics(RecommendationEvaluation.Evaluate(model, split)),
            new DataWindow(from, cut),
            new DataWindow(cut, now),
            Parameters(),
            (other, _) => Task.FromResult(RecommendationEvaluation.Metrics(RecommendationEvaluation.Evaluate(Load(other), split))));
    }

    public static RecommendationModel Load(ModelFiles files)
    {
        using var stream = files.Open(ModelFile);
        return RecommendationModel.Read(stream);
    }

    private Dictionary<string, string> Parameters()
    {
        var parameters = typeof(RecommenderOptions).GetProperties()
            .ToDictionary(p => p.Name, p => Convert.ToString(p.GetValue(options), System.Globalization.CultureInfo.InvariantCulture) ?? "", StringComparer.Ordinal);
        parameters["HoldoutDays"] = settings.HoldoutDays.ToString(System.Globalization.CultureInfo.InvariantCulture);
        parameters["HistoryDays"] = settings.HistoryDays.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return parameters;
    }
}
