namespace Commerce.Intelligence.Models;

/// <summary>
/// One kind of model the registry trains (recommendations, churn): how to train a version as of a moment,
/// holding out the most recent data, and how to score any stored version on that same holdout.
/// </summary>
public interface IModelKind
{
    /// <summary>Lowercase letters, digits and hyphens: the folder under models/.</summary>
    string Kind { get; }

    /// <summary>The metric that decides promotion (higher is better).</summary>
    string PrimaryMetric { get; }

    /// <exception cref="ModelTrainingException">the data cannot make a model (too little, none in the holdout).</exception>
    Task<TrainedModel> TrainAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>A freshly trained model, not stored yet, with its evaluation and a way to evaluate another version on the same holdout.</summary>
public sealed record TrainedModel(
    IReadOnlyDictionary<string, byte[]> Files,
    IReadOnlyDictionary<string, double> Metrics,
    DataWindow Data,
    DataWindow Holdout,
    IReadOnlyDictionary<string, string> Parameters,
    Func<ModelFiles, CancellationToken, Task<IReadOnlyDictionary<string, double>>> EvaluateOther);

/// <summary>The data cannot make a model; the message says why.</summary>
public sealed class ModelTrainingException(string message, Exception? inner = null) : Exception(message, inner);
