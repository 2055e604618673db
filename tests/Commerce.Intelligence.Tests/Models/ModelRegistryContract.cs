using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Commerce.Events.Outbox;
using Commerce.Intelligence.Models;
using Commerce.Storage.Blobs;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commerce.Intelligence.Tests.Models;

/// <summary>A model kind whose versions are just a score: on any holdout a version scores what its file says.</summary>
internal sealed class ScoredKind(string kind) : IModelKind
{
    public string Kind { get; } = kind;
    public string PrimaryMetric => "score";
    public double NextScore { get; set; }
    public string? FailWith { get; set; }
    public TaskCompletionSource? Hold { get; set; }

    public async Task<TrainedModel> TrainAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (Hold is not null)
            await Hold.Task;
        if (FailWith is not null)
            throw new ModelTrainingException(FailWith);
        var score = NextScore;
        return new TrainedModel(
            new Dictionary<string, byte[]> { ["score.txt"] = Encoding.UTF8.GetBytes(score.ToString(CultureInfo.InvariantCulture)) },
            new Dictionary<string, double> { ["score"] = score },
            new DataWindow(now.AddDays(-30), now.AddDays(-7)),
            new DataWindow(now.AddDays(-7), now),
            new Dictionary<string, string> { ["alpha"] = "1" },
            (other, _) => Task.FromResult<IReadOnlyDictionary<string, double>>(new Dictionary<string, double> { ["score"] = ScoreOf(other) }));
    }

    public static double ScoreOf(ModelFiles files) => double.Parse(Encoding.UTF8.GetString(files["score.txt"].Span), CultureInfo.InvariantCulture);
}

/// <summary>The registry's behaviour, run against each blob store adapter, with its events kept in a SQLite outbox.</summary>
public abstract class ModelRegistryContract : IDisposable
{
    private readonly TempDirectory _events = new("model-events");
    private readonly SqliteDatabase _database;
    private readonly EventOutbox _outbox;

    protected ModelRegistryContract()
    {
        _database = new SqliteDatabase(Path.Combine(_events.Path, "documents.db"));
        _outbox = new EventOutbox(new SqliteDocumentStore(_database), new OutboxConsumers(OutboxConsumers.Lake));
    }

    protected abstract IBlobStore Store { get; }

    public virtual void Dispose()
    {
        _database.Dispose();
        _events.Dispose();
        GC.SuppressFinalize(this);
    }

    private (ModelRegistry Registry, ScoredKind Kind) NewRegistry()
    {
        var kind = new ScoredKind("k" + Guid.NewGuid().ToString("N")[..10]);
        return (new ModelRegistry(Store, [kind], _outbox, TimeProvider.System, NullLogger<ModelRegistry>.Instance), kind);
    }

    private async Task<IReadOnlyList<SystemEvent>> PromotionsAsync(string kind) =>
        (await _outbox.ReadAsync(ModelEvents.Subject(kind))).Where(e => e.Type == SystemEventTypes.ModelPromoted).ToList();

    [Fact]
    public async Task Each_move_of_the_live_version_records_one_model_promoted_event_and_nothing_else_does()
    {
        var (registry, kind) = NewRegistry();
        // The live version after each step, read back from the registry: a promotion is wherever it differs from the one before.
        var live = new List<string?> { null };
        async Task StepAsync(Func<Task> step)
        {
            await step();
            live.Add((await registry.LatestAsync(kind.Kind))?.Version);
        }
        kind.NextScore = 0.5;
        var first = await registry.TrainAsync(kind.Kind);
        live.Add((await registry.LatestAsync(kind.Kind))?.Version);
        kind.NextScore = 0.4;
        await StepAsync(() => registry.TrainAsync(kind.Kind));
        kind.NextScore = 0.6;
        var second = await registry.TrainAsync(kind.Kind);
        live.Add((await registry.LatestAsync(kind.Kind))?.Version);
        await StepAsync(() => registry.PromoteAsync(kind.Kind, first.Version, "rollback after complaints"));
        await StepAsync(() => registry.PromoteAsync(kind.Kind, first.Version, "rollback after complaints"));
        await StepAsync(() => registry.PromoteAsync(kind.Kind, "20990101-000000-abcdef", "no such version"));
        await StepAsync(() => registry.PromoteAsync(kind.Kind, second.Version, "forward again"));
        var moves = live.Zip(live.Skip(1)).Where(p => p.First != p.Second).ToList();

        var events = await PromotionsAsync(kind.Kind);

        Assert.Equal(4, moves.Count);
        Assert.Equal(moves.Select(m => (m.First, m.Second)), events.Select(e => (e.From, e.To)));
        Assert.Equal(events.Count, events.Select(e => e.Id).Distinct().Count());
        Assert.All(events, e => Assert.Equal($"model:{kind.Kind}", e.Subject));
        Assert.Equal("promoted: no live model", events[0].Reason);
        Assert.Equal(["rollback after complaints", "forward again"], events.Skip(2).Select(e => e.Reason));
        Assert.Equal(first.Version, (await registry.LatestAsync(kind.Kind))!.Previous);
    }

    [Fact]
    public async Task A_promotion_whose_event_a_crash_kept_from_the_outbox_is_recorded_by_the_next_training_once()
    {
        var (registry, kind) = NewRegistry();
        kind.NextScore = 0.5;
        var first = await registry.TrainAsync(kind.Kind);
        kind.NextScore = 0.4;
        var kept = await registry.TrainAsync(kind.Kind);
        // What a crash right after the pointer moved leaves: latest names the new version, the outbox knows nothing of it.
        var crashed = new LatestPointer(kept.Version, DateTimeOffset.UtcNow, "promoted by hand", first.Version);
        var container = await Store.GetContainerAsync(ModelRegistry.Container);
        await container.PutAsync($"{kind.Kind}/{ModelRegistry.LatestBlob}", Commerce.Storage.Documents.DocumentJson.Serialize(crashed), new BlobPutOptions("application/json"));
        Assert.Single(await PromotionsAsync(kind.Kind));

        kind.NextScore = 0.1;
        await registry.TrainAsync(kind.Kind);
        await registry.TrainAsync(kind.Kind);

        var events = await PromotionsAsync(kind.Kind);
        Assert.Equal([(null, first.Version), (first.Version, kept.Version)], events.Select(e => (e.From, e.To)));
        Assert.Equal("promoted by hand", events[1].Reason);
    }

    [Fact]
    public async Task The_first_version_goes_live_with_a_complete_manifest()
    {
        var (registry, kind) = NewRegistry();
        kind.NextScore = 0.5;

        var report = await registry.TrainAsync(kind.Kind);

        Assert.True(report.Promoted);
        Assert.Equal(report.Version, (await registry.LatestAsync(kind.Kind))!.Version);
        var status = (await registry.ListAsync()).Single(s => s.Kind == kind.Kind);
        var version = Assert.Single(status.Versions);
        Assert.True(version.Live);
        var manifest = version.Manifest;
        Assert.Equal(0.5, manifest.Metrics["score"]);
        Assert.Equal(["score.txt"], manifest.Files);
        Assert.Equal("1", manifest.Parameters["alpha"]);
        Assert.Equal(manifest.Data.To, manifest.Holdout.From);
        Assert.False(string.IsNullOrEmpty(manifest.CodeVersion));
        Assert.True(manifest.TrainingSeconds >= 0);
        Assert.Null(manifest.LiveVersion);
        var files = await registry.OpenAsync(kind.Kind, report.Version);
        Assert.Equal(0.5, ScoredKind.ScoreOf(files));
    }

    [Fact]
    public async Task A_worse_version_is_stored_but_latest_stays_and_an_equal_one_goes_live()
    {
        var (registry, kind) = NewRegistry();
        kind.NextScore = 0.5;
        var first = await registry.TrainAsync(kind.Kind);
        kind.NextScore = 0.4;
        var worse = await registry.TrainAsync(kind.Kind);

        Assert.False(worse.Promoted);
        Assert.Equal(0.5, worse.LiveMetrics!["score"]);
        Assert.Equal(first.Version, (await registry.LatestAsync(kind.Kind))!.Version);

        kind.NextScore = 0.5;
        var equal = await registry.TrainAsync(kind.Kind);

        Assert.True(equal.Promoted);
        var status = (await registry.ListAsync()).Single(s => s.Kind == kind.Kind);
        Assert.Equal(equal.Version, status.LiveVersion);
        Assert.Equal(3, status.Versions.Count);
        var kept = status.Versions.Single(v => v.Manifest.Version == worse.Version).Manifest;
        Assert.StartsWith("kept", kept.Decision);
        Assert.Equal(first.Version, kept.LiveVersion);
    }

    [Fact]
    public async Task A_failed_training_is_recorded_and_changes_nothing_else()
    {
        var (registry, kind) = NewRegistry();
        kind.NextScore = 0.5;
        var live = await registry.TrainAsync(kind.Kind);
        kind.FailWith = "no purchases in the window";

        var error = await Assert.ThrowsAsync<ModelTrainingException>(() => registry.TrainAsync(kind.Kind));

        Assert.Equal("no purchases in the window", error.Message);
        var status = (await registry.ListAsync()).Single(s => s.Kind == kind.Kind);
        Assert.Equal(live.Version, status.LiveVersion);
        Assert.Single(status.Versions);
        Assert.Equal("no purchases in the window", Assert.Single(status.Failures).Error);
    }

    [Theory]
    [InlineData("corrupt")]
    [InlineData("missing")]
    public async Task A_live_version_that_cannot_be_read_is_replaced_by_the_next_training_which_says_why(string damage)
    {
        var (registry, kind) = NewRegistry();
        kind.NextScore = 0.9;
        var unreadable = await registry.TrainAsync(kind.Kind);
        var container = await Store.GetContainerAsync(ModelRegistry.Container);
        if (damage == "corrupt")
            await container.PutAsync($"{kind.Kind}/{unreadable.Version}/score.txt", Encoding.UTF8.GetBytes("an input this build no longer computes"), new BlobPutOptions("application/octet-stream"));
        else
            Assert.True(await container.DeleteAsync($"{kind.Kind}/{unreadable.Version}/score.txt"));
        var live = new LiveModel<string>(registry, kind.Kind, ScoredKindText, TimeSpan.FromSeconds(1), TimeProvider.System, NullLogger<LiveModel<string>>.Instance);
        await Assert.ThrowsAnyAsync<Exception>(() => live.RefreshAsync());

        kind.NextScore = 0.1;
        var report = await registry.TrainAsync(kind.Kind);

        Assert.True(report.Promoted, report.Decision);
        Assert.Null(report.LiveMetrics);
        Assert.StartsWith($"promoted: live version {unreadable.Version} could not be read: ", report.Decision);
        var latest = (await registry.LatestAsync(kind.Kind))!;
        Assert.Equal((report.Version, unreadable.Version, report.Decision), (latest.Version, latest.Previous, latest.Reason));
        var manifest = (await registry.ListAsync()).Single(s => s.Kind == kind.Kind).Versions.Single(v => v.Manifest.Version == report.Version).Manifest;
        Assert.Equal((unreadable.Version, report.Decision), (manifest.LiveVersion, manifest.Decision));
        Assert.True(await live.RefreshAsync());
        Assert.Equal((report.Version, "0.1"), (live.Current!.Version, live.Current.Model));
    }

    [Fact]
    public async Task Promotion_rolls_back_and_forward_and_refuses_unknown_versions()
    {
        var (registry, kind) = NewRegistry();
        kind.NextScore = 0.5;
        var first = await registry.TrainAsync(kind.Kind);
        kind.NextScore = 0.6;
        var second = await registry.TrainAsync(kind.Kind);
        Assert.True(second.Promoted);

        Assert.True(await registry.PromoteAsync(kind.Kind, first.Version, "rollback after complaints"));
        var latest = (await registry.LatestAsync(kind.Kind))!;
        Assert.Equal((first.Version, "rollback after complaints"), (latest.Version, latest.Reason));

        Assert.True(await registry.PromoteAsync(kind.Kind, second.Version, "forward again"));
        Assert.Equal(second.Version, (await registry.LatestAsync(kind.Kind))!.Version);
        Assert.False(await registry.PromoteAsync(kind.Kind, "20990101-000000-abcdef", "no such version"));
        Assert.False(await registry.PromoteAsync(kind.Kind, "../other", "not a version name"));
        Assert.Equal(second.Version, (await registry.LatestAsync(kind.Kind))!.Version);
    }

    [Fact]
    public async Task One_training_at_a_time_per_kind()
    {
        var (registry, kind) = NewRegistry();
        kind.NextScore = 0.5;
        kind.Hold = new TaskCompletionSource();
        var first = registry.TrainAsync(kind.Kind);

        await Assert.ThrowsAsync<TrainingInProgressException>(() => registry.TrainAsync(kind.Kind));

        kind.Hold.SetResult();
        Assert.True((await first).Promoted);
    }

    [Fact]
    public async Task A_live_model_swaps_to_a_new_latest_and_keeps_serving_when_a_version_cannot_load()
    {
        var (registry, kind) = NewRegistry();
        var live = new LiveModel<string>(registry, kind.Kind,
            files => ScoredKind.ScoreOf(files) < 0 ? throw new InvalidDataException("damaged") : ScoredKind.ScoreOf(files).ToString(CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(1), TimeProvider.System, NullLogger<LiveModel<string>>.Instance);
        Assert.False(await live.RefreshAsync());
        Assert.Null(live.Current);

        kind.NextScore = 0.5;
        var first = await registry.TrainAsync(kind.Kind);
        Assert.True(await live.RefreshAsync());
        Assert.Equal((first.Version, "0.5"), (live.Current!.Version, live.Current.Model));
        Assert.False(await live.RefreshAsync());

        kind.NextScore = -1;
        var damaged = await registry.TrainAsync(kind.Kind);
        Assert.False(damaged.Promoted);
        Assert.True(await registry.PromoteAsync(kind.Kind, damaged.Version, "test"));
        await Assert.ThrowsAsync<InvalidDataException>(() => live.RefreshAsync());
        Assert.Equal(first.Version, live.Current.Version);
    }

    [Fact]
    public async Task The_background_loop_picks_up_a_promotion_within_its_interval()
    {
        var (registry, kind) = NewRegistry();
        kind.NextScore = 0.5;
        var first = await registry.TrainAsync(kind.Kind);
        var live = new LiveModel<string>(registry, kind.Kind, ScoredKindText, TimeSpan.FromMilliseconds(100), TimeProvider.System, NullLogger<LiveModel<string>>.Instance);
        await live.StartAsync(CancellationToken.None);
        try
        {
            await WaitForLiveAsync(live, first.Version);
            kind.NextScore = 0.7;
            var second = await registry.TrainAsync(kind.Kind);
            await WaitForLiveAsync(live, second.Version);
            Assert.Equal("0.7", live.Current!.Model);
        }
        finally
        {
            await live.StopAsync(CancellationToken.None);
        }
    }

    private static string ScoredKindText(ModelFiles files) => ScoredKind.ScoreOf(files).ToString(CultureInfo.InvariantCulture);

    private static Task WaitForLiveAsync(LiveModel<string> live, string version) =>
        Poll.UntilAsync(() => live.Current?.Version, current => current == version, TimeSpan.FromSeconds(30), $"the live model to change to {version}", TimeSpan.FromMilliseconds(20));

    [Fact]
    public async Task Trainings_are_counted_by_outcome_and_promotions_by_trigger()
    {
        var (registry, kind) = NewRegistry();
        var counted = new List<(string Instrument, string Tags)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == Commerce.Telemetry.CommerceTelemetry.Name && instrument.Name.StartsWith("commerce.models.", StringComparison.Ordinal))
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var all = tags.ToArray();
            if (all.Any(t => t.Key == "kind" && (string?)t.Value == kind.Kind))
                lock (counted)
                    counted.Add((instrument.Name, string.Join(",", all.Where(t => t.Key != "kind").Select(t => $"{t.Key}={t.Value}"))));
        });
        listener.Start();

        kind.NextScore = 0.5;
        var first = await registry.TrainAsync(kind.Kind);
        kind.NextScore = 0.4;
        var worse = await registry.TrainAsync(kind.Kind);
        kind.FailWith = "no purchases in the window";
        await Assert.ThrowsAsync<ModelTrainingException>(() => registry.TrainAsync(kind.Kind));
        Assert.True(await registry.PromoteAsync(kind.Kind, worse.Version, "by hand"));

        Assert.True(first.Promoted);
        Assert.False(worse.Promoted);
        Assert.Equal(
            [
                ("commerce.models.promotions", "trigger=manual"),
                ("commerce.models.promotions", "trigger=training"),
                ("commerce.models.trainings", "outcome=failed"),
                ("commerce.models.trainings", "outcome=kept"),
                ("commerce.models.trainings", "outcome=promoted"),
            ],
            counted.Order());
    }
}
