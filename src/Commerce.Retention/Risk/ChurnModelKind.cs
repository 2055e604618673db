using System.Globalization;
using System.Text.Json;
using Commerce.Analytics.Features;
using Commerce.Intelligence.Churn;
using Commerce.Intelligence.Models;
using Commerce.Retention.Audience;

namespace Commerce.Retention.Risk;

/// <summary>
/// The churn model for the registry. Trained as the offline protocol is, on the most recent labelled windows of the
/// order store, with the customers' behaviour before each cut: customers as of now - 2H labelled by the H days after
/// (training), then measured on customers as of now - H labelled by the H days up to now (the holdout, which the live
/// version is measured on too).
/// </summary>
public sealed class ChurnModelKind(CustomerPopulation population, CustomerFeatureBuilder builder, ChurnOptions options) : IModelKind
{
    public const string Name = "churn";
    public const string ImportanceFile = "importance.json";

    /// <summary>Fewer customers than this at either cut make no model worth serving.</summary>
    public const int MinCustomers = 50;

    public string Kind => Name;
    public string PrimaryMetric => ChurnEvaluation.Auc;

    public async Task<TrainedModel> TrainAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (history, profiles) = await population.AsOfAsync(now, cancellationToken).ConfigureAwait(false);
        var holdoutCut = now.UtcDateTime.AddDays(-options.HorizonDays);
        var trainingCut = holdoutCut.AddDays(-options.HorizonDays);
        var training = ChurnExamples.Labelled(builder, history, await population.BehaviourBeforeAsync(trainingCut, cancellationToken).ConfigureAwait(false), profiles, trainingCut, options.HorizonDays);
        var holdout = ChurnExamples.Labelled(builder, history, await population.BehaviourBeforeAsync(holdoutCut, cancellationToken).ConfigureAwait(false), profiles, holdoutCut, options.HorizonDays);
        foreach (var (examples, cut) in new[] { (training, trainingCut), (holdout, holdoutCut) })
        {
            if (examples.Count < MinCustomers || examples.All(e => e.Churned) || examples.All(e => !e.Churned))
                throw new ModelTrainingException(FormattableString.Invariant(
                    $"{examples.Count} customers had ordered by {cut:yyyy-MM-dd}, {examples.Count(e => e.Churned)} of them churned: at least {MinCustomers} of both kinds together are needed."));
        }
        ChurnModel model;
        try
        {
            model = await Task.Run(() => new ChurnTrainer(options).TrainBoosted(training), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw new ModelTrainingException(e.Message, e);
        }
        var files = model.ToFiles().ToDictionary(StringComparer.Ordinal);
        files[ImportanceFile] = JsonSerializer.SerializeToUtf8Bytes(model.Importance(holdout, permutations: 1));
        return new TrainedModel(
            files,
            ChurnEvaluation.Metrics(model.Evaluate(holdout)),
            // The training rows read every order from the start of the history up to the holdout's cut (labels included).
            new DataWindow(population.HistoryFrom(now), new DateTimeOffset(holdoutCut)),
            new DataWindow(new DateTimeOffset(holdoutCut), now),
            Parameters(),
            (other, _) => Task.FromResult(ChurnEvaluation.Metrics(Load(other).Evaluate(holdout))));
    }

    public static ChurnModel Load(ModelFiles files) => ChurnModel.FromFiles(files.Open);

    private Dictionary<string, string> Parameters() =>
        typeof(ChurnOptions).GetProperties().ToDictionary(p => p.Name, p => Convert.ToString(p.GetValue(options), CultureInfo.InvariantCulture) ?? "", StringComparer.Ordinal);
}
