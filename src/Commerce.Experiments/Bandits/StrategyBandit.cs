using Commerce.Analytics.Lake;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commerce.Experiments.Bandits;

/// <param name="Refresh">how often the record of each slot's strategies is read again from the lake.</param>
/// <param name="Strategies">the strategies each slot chooses between; one alone means no exploration.</param>
public sealed record StrategyBanditOptions(TimeSpan Refresh, IReadOnlyList<string> Strategies);

/// <summary>
/// Which recommendation strategy each slot plays, learnt by Thompson sampling from the lake: a list shown is a
/// trial of the strategy that made it (the client sends back <see cref="Experiment"/> and the strategy as
/// <c>experiment</c> and <c>variant</c> on its <c>recommendation_shown</c> event), and a click on it a success.
/// The record is read from the lake every <see cref="StrategyBanditOptions.Refresh"/>, so every instance learns
/// from every other's lists; between reads the choice is random by the posterior, as Thompson sampling is.
/// </summary>
public sealed class StrategyBandit(Lake lake, StrategyBanditOptions options, TimeProvider time, ILogger<StrategyBandit> logger) : BackgroundService
{
    /// <summary>The experiment name the strategy's lists carry.</summary>
    public const string Experiment = "recommendation-strategy";

    private volatile IReadOnlyDictionary<(string Slot, string Strategy), ArmRecord> _records = new Dictionary<(string, string), ArmRecord>();

    public IReadOnlyDictionary<(string Slot, string Strategy), ArmRecord> Records => _records;

    public string Choose(string slot)
    {
        var records = _records;
        return ThompsonSampling.Choose(options.Strategies, s => records.GetValueOrDefault((slot, s)) ?? new ArmRecord(0, 0), Random.Shared);
    }

    /// <summary>Reads the record of every slot and strategy from the lake's shown and clicked events.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await using var session = await lake.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var command = session.Command("""
            SELECT slot, variant, count(*) FILTER (WHERE type = 'recommendation_shown'), count(*) FILTER (WHERE type = 'recommendation_clicked')
            FROM events
            WHERE source = 'client' AND experiment = $1 AND slot IS NOT NULL AND variant IS NOT NULL
              AND type IN ('recommendation_shown', 'recommendation_clicked')
            GROUP BY slot, variant
            """, Experiment);
        using var reader = command.ExecuteReader();
        var records = new Dictionary<(string, string), ArmRecord>();
        while (reader.Read())
            records[(reader.GetString(0), reader.GetString(1))] = new ArmRecord(reader.GetInt64(2), reader.GetInt64(3));
        _records = records;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Refresh, time);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The last record keeps serving: a slot still gets a strategy, chosen from what was known.
                logger.LogWarning(e, "Reading the recommendation strategies' record from the lake failed; the last record stays in use.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
