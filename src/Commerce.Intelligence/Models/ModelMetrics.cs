using System.Diagnostics.Metrics;
using Commerce.Telemetry;

namespace Commerce.Intelligence.Models;

/// <summary>Trainings and promotions of every model kind, recorded by the registry as they happen.</summary>
public static class ModelMetrics
{
    private static readonly Counter<long> Trainings = CommerceTelemetry.Meter.CreateCounter<long>("commerce.models.trainings", "{training}",
        "Model trainings, by kind and outcome (promoted, kept, failed).");
    private static readonly Histogram<double> TrainingTime = CommerceTelemetry.Meter.CreateHistogram<double>("commerce.models.training.duration", "s",
        "How long a model training took, by kind and outcome.");
    private static readonly Counter<long> Promotions = CommerceTelemetry.Meter.CreateCounter<long>("commerce.models.promotions", "{promotion}",
        "Model versions made live, by kind and trigger (training, manual).");

    public static void Trained(string kind, string outcome, double seconds)
    {
        KeyValuePair<string, object?>[] tags = [new("kind", kind), new("outcome", outcome)];
        Trainings.Add(1, tags);
        TrainingTime.Record(seconds, tags);
    }

    public static void Promoted(string kind, string trigger) => Promotions.Add(1, new("kind", kind), new("trigger", trigger));
}
