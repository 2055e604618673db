using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Commerce.Events.Outbox;
using Commerce.Storage.Blobs;
using Commerce.Storage.Documents;
using Microsoft.Extensions.Logging;

namespace Commerce.Intelligence.Models;

/// <summary>A stored version as the registry lists it.</summary>
public sealed record ModelVersion(ModelManifest Manifest, bool Live);

/// <summary>Every version of one kind, which one is live, and the recent training failures.</summary>
public sealed record ModelKindStatus(string Kind, string? LiveVersion, LatestPointer? Latest, IReadOnlyList<ModelVersion> Versions, IReadOnlyList<TrainingFailure> Failures);

/// <summary>What one training run did.</summary>
public sealed record TrainingReport(string Kind, string Version, bool Promoted, string Decision, IReadOnlyDictionary<string, double> Metrics, IReadOnlyDictionary<string, double>? LiveMetrics);

/// <summary>
/// One registry for every model kind, in blob storage: <c>models/&lt;kind&gt;/&lt;version&gt;/</c> holds a version's
/// files and manifest.json, <c>models/&lt;kind&gt;/latest</c> names the live version and moves only by a
/// conditional write, so two trainings or a training and a promotion can never both win. A new version goes
/// live only if it is not worse than the live one on the new version's own holdout. A failed training
/// stores no version, leaves latest alone and is recorded under <c>failures/</c>. Each move of latest to another
/// version is a model_promoted event, derived from the pointer (see <see cref="ModelEvents"/>).
/// </summary>
public sealed class ModelRegistry(IBlobStore blobs, IEnumerable<IModelKind> kinds, EventOutbox outbox, TimeProvider time, ILogger<ModelRegistry> logger)
{
    public const string Container = "models";
    public const string ManifestFile = "manifest.json";
    public const string LatestBlob = "latest";
    public const int FailuresShown = 20;

    private readonly Dictionary<string, IModelKind> _kinds = kinds.ToDictionary(k => k.Kind, StringComparer.Ordinal);
    private readonly Dictionary<string, SemaphoreSlim> _training = kinds.ToDictionary(k => k.Kind, _ => new SemaphoreSlim(1, 1), StringComparer.Ordinal);

    public static string CodeVersion { get; } =
        typeof(ModelRegistry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public IReadOnlyCollection<string> Kinds => _kinds.Keys;

    public bool IsKind(string kind) => _kinds.ContainsKey(kind);

    private Task<IBlobContainer> ContainerAsync(CancellationToken cancellationToken) => blobs.GetContainerAsync(Container, cancellationToken);

    /// <summary>Trains a new version of <paramref name="kind"/> now, stores it and promotes it when it is not worse than the live one.</summary>
    /// <exception cref="TrainingInProgressException">this kind is being trained already.</exception>
    /// <exception cref="ModelTrainingException">training failed (recorded; the live model is unchanged).</exception>
    public async Task<TrainingReport> TrainAsync(string kind, CancellationToken cancellationToken = default)
    {
        var model = _kinds[kind];
        var gate = _training[kind];
        if (!await gate.WaitAsync(0, cancellationToken).ConfigureAwait(false))
            throw new TrainingInProgressException(kind);
        try
        {
            var started = time.GetTimestamp();
            var now = time.GetUtcNow();
            TrainedModel trained;
            try
            {
                trained = await model.TrainAsync(now, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await RecordFailureAsync(kind, now, e, cancellationToken).ConfigureAwait(false);
                ModelMetrics.Trained(kind, "failed", time.GetElapsedTime(started).TotalSeconds);
                throw e as ModelTrainingException ?? new ModelTrainingException($"Training {kind} failed: {e.Message}", e);
            }
            var version = $"{now:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
            var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
            var (latest, latestETag) = await ReadLatestAsync(container, kind, cancellationToken).ConfigureAwait(false);
            await RecordPromotionAsync(kind, latest, cancellationToken).ConfigureAwait(false);
            IReadOnlyDictionary<string, double>? liveMetrics = null;
            string? unreadable = null;
            if (latest is not null)
            {
                // A live version this build cannot read (an input no longer computed, damaged or missing files) serves no one,
                // so it is no reason to keep it: the new version replaces it.
                try
                {
                    var live = await OpenAsync(kind, latest.Version, cancellationToken).ConfigureAwait(false);
                    liveMetrics = await trained.EvaluateOther(live, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Live model {Kind} {Version} could not be read; the new version replaces it", kind, latest.Version);
                    unreadable = $"live version {latest.Version} could not be read: {e.Message}";
                }
            }
            var newScore = trained.Metrics[model.PrimaryMetric];
            var liveScore = liveMetrics?.GetValueOrDefault(model.PrimaryMetric);
            var promote = liveScore is null || newScore >= liveScore;
            var decision = unreadable is not null
                ? $"promoted: {unreadable}"
                : liveScore is null
                ? "promoted: no live model"
                : promote
                    ? $"promoted: {model.PrimaryMetric} {newScore:F4} is not worse than live {latest!.Version}'s {liveScore:F4} on the same holdout"
                    : $"kept {latest!.Version}: {model.PrimaryMetric} {newScore:F4} is worse than its {liveScore:F4} on the same holdout";

            foreach (var (name, content) in trained.Files)
                await container.PutAsync($"{kind}/{version}/{name}", content, BlobPutOptions.CreateOnly("application/octet-stream"), cancellationToken).ConfigureAwait(false);
            var manifest = new ModelManifest
            {
                Kind = kind,
                Version = version,
                TrainedAt = now,
                TrainingSeconds = Math.Round(time.GetElapsedTime(started).TotalSeconds, 3),
                Data = trained.Data,
                Holdout = trained.Holdout,
                PrimaryMetric = model.PrimaryMetric,
                Metrics = trained.Metrics,
                LiveMetrics = liveMetrics,
                LiveVersion = latest?.Version,
                Parameters = trained.Parameters,
                CodeVersion = CodeVersion,
                Files = trained.Files.Keys.Order(StringComparer.Ordinal).ToList(),
                Decision = decision,
            };
            // The manifest is written last: a version without one is an interrupted write, never listed or promoted.
            await container.PutAsync($"{kind}/{version}/{ManifestFile}", DocumentJson.Serialize(manifest), BlobPutOptions.CreateOnly("application/json"), cancellationToken).ConfigureAwait(false);
            if (promote)
            {
                try
                {
                    var pointer = new LatestPointer(version, time.GetUtcNow(), decision, latest?.Version);
                    await WriteLatestAsync(container, kind, pointer, latestETag, cancellationToken).ConfigureAwait(false);
                    ModelMetrics.Promoted(kind, "training");
                    await RecordPromotionAsync(kind, pointer, cancellationToken).ConfigureAwait(false);
                }
                catch (BlobPreconditionFailedException)
                {
                    promote = false;
                    decision = "kept: latest moved while this version trained (a promotion or another training); promote it by hand if wanted";
                }
            }
            logger.LogInformation("Trained model {Kind} {Version}: {Decision}", kind, version, decision);
            ModelMetrics.Trained(kind, promote ? "promoted" : "kept", manifest.TrainingSeconds);
            return new TrainingReport(kind, version, promote, decision, trained.Metrics, liveMetrics);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Makes a stored version live (a rollback or a roll-forward); for the live version, only the reason changes.</summary>
    /// <returns>false when the version does not exist.</returns>
    public async Task<bool> PromoteAsync(string kind, string version, string reason, CancellationToken cancellationToken = default)
    {
        if (!IsValidVersion(version))
            return false;
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        if (await container.GetAsync($"{kind}/{version}/{ManifestFile}", cancellationToken).ConfigureAwait(false) is null)
            return false;
        for (var attempt = 0; ; attempt++)
        {
            var (live, etag) = await ReadLatestAsync(container, kind, cancellationToken).ConfigureAwait(false);
            await RecordPromotionAsync(kind, live, cancellationToken).ConfigureAwait(false);
            try
            {
                // Promoting the live version again (a retried request) only restates why: it has been live since it went live.
                if (live?.Version == version)
                {
                    await WriteLatestAsync(container, kind, live with { Reason = reason }, etag, cancellationToken).ConfigureAwait(false);
                    return true;
                }
                var pointer = new LatestPointer(version, time.GetUtcNow(), reason, live?.Version);
                await WriteLatestAsync(container, kind, pointer, etag, cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Promoted model {Kind} {Version}: {Reason}", kind, version, reason);
                ModelMetrics.Promoted(kind, "manual");
                await RecordPromotionAsync(kind, pointer, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (BlobPreconditionFailedException) when (attempt < 5)
            {
            }
        }
    }

    public async Task<LatestPointer?> LatestAsync(string kind, CancellationToken cancellationToken = default) =>
        (await ReadLatestAsync(await ContainerAsync(cancellationToken).ConfigureAwait(false), kind, cancellationToken).ConfigureAwait(false)).Pointer;

    /// <exception cref="KeyNotFoundException">no such version (or one whose writing never finished).</exception>
    public async Task<ModelFiles> OpenAsync(string kind, string version, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var manifestBlob = await container.GetAsync($"{kind}/{version}/{ManifestFile}", cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Model {kind}/{version} does not exist.");
        var manifest = JsonSerializer.Deserialize<ModelManifest>(manifestBlob.Content.Span, DocumentJson.Options)!;
        var files = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        foreach (var name in manifest.Files)
        {
            var blob = await container.GetAsync($"{kind}/{version}/{name}", cancellationToken).ConfigureAwait(false)
                ?? throw new KeyNotFoundException($"Model {kind}/{version} lists '{name}' but the file is missing.");
            files[name] = blob.Content;
        }
        return new ModelFiles(manifest, files);
    }

    /// <summary>Each kind's versions (newest first), live version and recent failures.</summary>
    public async Task<IReadOnlyList<ModelKindStatus>> ListAsync(CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<ModelKindStatus>();
        foreach (var kind in _kinds.Keys.Order(StringComparer.Ordinal))
        {
            var (latest, _) = await ReadLatestAsync(container, kind, cancellationToken).ConfigureAwait(false);
            var manifests = new List<ModelManifest>();
            var failures = new List<TrainingFailure>();
            await foreach (var blob in container.ListAsync(kind + "/", cancellationToken).ConfigureAwait(false))
            {
                var isManifest = blob.Name.EndsWith("/" + ManifestFile, StringComparison.Ordinal);
                var isFailure = blob.Name.StartsWith($"{kind}/failures/", StringComparison.Ordinal);
                if (!isManifest && !isFailure)
                    continue;
                var content = await container.GetAsync(blob.Name, cancellationToken).ConfigureAwait(false);
                if (content is null)
                    continue;
                if (isFailure)
                    failures.Add(JsonSerializer.Deserialize<TrainingFailure>(content.Content.Span, DocumentJson.Options)!);
                else
                    manifests.Add(JsonSerializer.Deserialize<ModelManifest>(content.Content.Span, DocumentJson.Options)!);
            }
            result.Add(new ModelKindStatus(kind, latest?.Version, latest,
                manifests.OrderByDescending(m => m.Version, StringComparer.Ordinal).Select(m => new ModelVersion(m, m.Version == latest?.Version)).ToList(),
                failures.OrderByDescending(f => f.At).Take(FailuresShown).ToList()));
        }
        return result;
    }

    /// <summary>Versions are what <see cref="TrainAsync"/> names them: digits, hyphens and hex.</summary>
    public static bool IsValidVersion(string version) =>
        version.Length is > 0 and <= 64 && version.All(c => char.IsAsciiDigit(c) || c is '-' || char.IsAsciiLetterLower(c));

    private async Task RecordFailureAsync(string kind, DateTimeOffset at, Exception error, CancellationToken cancellationToken)
    {
        logger.LogError(error, "Training model {Kind} failed; the live model keeps serving", kind);
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        await container.PutAsync($"{kind}/failures/{at:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}.json",
            DocumentJson.Serialize(new TrainingFailure(kind, at, error.Message)), new BlobPutOptions("application/json"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records the promotion that put <paramref name="pointer"/> in place; its id comes from the pointer, so this is also
    /// how a promotion whose event a crash kept from the outbox gets recorded: by the kind's next training or promotion.
    /// </summary>
    private async Task RecordPromotionAsync(string kind, LatestPointer? pointer, CancellationToken cancellationToken)
    {
        if (pointer is not null)
            await outbox.RecordAsync(ModelEvents.Subject(kind), [ModelEvents.Promoted(kind, pointer)], cancellationToken).ConfigureAwait(false);
    }

    private static async Task<(LatestPointer? Pointer, string? ETag)> ReadLatestAsync(IBlobContainer container, string kind, CancellationToken cancellationToken)
    {
        var blob = await container.GetAsync($"{kind}/{LatestBlob}", cancellationToken).ConfigureAwait(false);
        return blob is null ? (null, null) : (JsonSerializer.Deserialize<LatestPointer>(blob.Content.Span, DocumentJson.Options), blob.Properties.ETag);
    }

    private static Task WriteLatestAsync(IBlobContainer container, string kind, LatestPointer pointer, string? ifMatch, CancellationToken cancellationToken) =>
        container.PutAsync($"{kind}/{LatestBlob}", DocumentJson.Serialize(pointer),
            ifMatch is null ? BlobPutOptions.CreateOnly("application/json") : new BlobPutOptions("application/json", IfMatch: ifMatch), cancellationToken);
}

public sealed class TrainingInProgressException(string kind) : Exception($"A {kind} model is being trained already.");
