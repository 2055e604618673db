using Commerce.Intelligence.Churn;
using Commerce.Intelligence.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commerce.Retention.Risk;

/// <summary>
/// Scores every active customer again whenever the live churn model changes (a training that promoted a version,
/// an operator's promotion or rollback) and once a day besides, so that risk moves with customers' orders. Every
/// instance watches; whichever sees the change first scores, and the summary it stores tells the others.
/// </summary>
public sealed class ChurnRiskRefresher(LiveModel<ChurnModel> live, ChurnScoring scoring, ChurnRiskStore risks, TimeSpan interval, TimeProvider time, ILogger<ChurnRiskRefresher> logger)
    : BackgroundService
{
    public static readonly TimeSpan RescoreAfter = TimeSpan.FromDays(1);

    /// <summary>Scores now if the live version is not the one last scored, or that scoring is a day old; true when it scored.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        if (live.Current is not { } current)
            return false;
        var last = await risks.SummaryAsync(cancellationToken).ConfigureAwait(false);
        if (last is not null && last.ModelVersion == current.Version && time.GetUtcNow() - last.ScoredAt < RescoreAfter)
            return false;
        await scoring.ScoreAllAsync(current.Model, current.Version, cancellationToken).ConfigureAwait(false);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(false);
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Scoring customers with churn model {Version} failed; the last risks stay until the next try", live.Current?.Version);
            }
        }
    }
}
