namespace Commerce.Intelligence.Models;

/// <summary>A span of data time: [From, To).</summary>
public sealed record DataWindow(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// What a model version is: what it learned from, how it scored on its holdout (and how the live model scored
/// on the same holdout when it was trained), its parameters, the code that made it and whether it went live.
/// Higher is better for every metric; <see cref="PrimaryMetric"/> decides promotion.
/// </summary>
public sealed record ModelManifest
{
    public required string Kind { get; init; }
    public required string Version { get; init; }
    public required DateTimeOffset TrainedAt { get; init; }
    public required double TrainingSeconds { get; init; }
    public required DataWindow Data { get; init; }
    public required DataWindow Holdout { get; init; }
    public required string PrimaryMetric { get; init; }
    public required IReadOnlyDictionary<string, double> Metrics { get; init; }

    /// <summary>The live model's metrics on this version's holdout, when there was a live model.</summary>
    public IReadOnlyDictionary<string, double>? LiveMetrics { get; init; }
    public string? LiveVersion { get; init; }
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
    public required string CodeVersion { get; init; }
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>Why the version went live or did not.</summary>
    public required string Decision { get; init; }
}

/// <summary>The live version of a kind: what `latest` points at.</summary>
/// <param name="Previous">the version live before this one went live (none for the first).</param>
public sealed record LatestPointer(string Version, DateTimeOffset Since, string Reason, string? Previous = null);

/// <summary>A training run that did not produce a model; the live model kept serving.</summary>
public sealed record TrainingFailure(string Kind, DateTimeOffset At, string Error);

/// <summary>The files of one stored model version.</summary>
public sealed class ModelFiles(ModelManifest manifest, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> files)
{
    public ModelManifest Manifest { get; } = manifest;

    /// <exception cref="KeyNotFoundException">the version has no such file.</exception>
    public ReadOnlyMemory<byte> this[string name] => files.TryGetValue(name, out var content) ? content : throw new KeyNotFoundException($"Model {Manifest.Kind}/{Manifest.Version} has no file '{name}'.");

    public Stream Open(string name) => new MemoryStream(this[name].ToArray(), writable: false);
}
