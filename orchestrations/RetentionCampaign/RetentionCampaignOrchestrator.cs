using Commerce.Durable;
using Commerce.Retention.Campaigns;
using Commerce.Retention.Interventions;

namespace Commerce.Orchestrations.RetentionCampaign;

/// <summary>
/// One retention campaign from start to result: select the audience as of the start (control group held out),
/// treat the rest in batches, a few at a time and no faster than the set pace (a durable timer between waves),
/// follow up the welcome series half-way, wait for the measurement window on a durable timer, measure against the
/// control group, record. Every activity is idempotent by campaign and customer, so a crash and a replay at any
/// point neither send a message twice nor issue a code twice.
/// </summary>
public sealed class RetentionCampaignOrchestrator : TaskOrchestrator<RetentionCampaignInput, CampaignResults?>
{
    public const string Name = "RetentionCampaign";

    private static readonly TaskOptions Reliable = new(new RetryPolicy(10, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1)));

    public override async Task<CampaignResults?> RunAsync(TaskOrchestrationContext context, RetentionCampaignInput input)
    {
        var id = input.CampaignId;
        try
        {
            var audience = await context.CallActivityAsync<CampaignAudience>(RetentionCampaignActivities.SelectAudience, id, Reliable);
            for (var first = 0; first < audience.Batches; first += input.ParallelBatches)
            {
                var waveStarted = context.CurrentUtcDateTime;
                var wave = Enumerable.Range(first, Math.Min(input.ParallelBatches, audience.Batches - first))
                    .Select(batch => context.CallActivityAsync<int>(RetentionCampaignActivities.TreatBatch, new TreatBatchRequest(id, batch), Reliable));
                var treated = (await Task.WhenAll(wave)).Sum();
                var nextWave = waveStarted.AddSeconds(treated / (double)input.MessagesPerSecond);
                if (nextWave > context.CurrentUtcDateTime)
                    await context.CreateTimer(nextWave, CancellationToken.None);
            }

            var window = await context.CallActivityAsync<MeasurementWindow>(RetentionCampaignActivities.StartMeasuring, id, Reliable);
            if (audience.ByAction.ContainsKey(InterventionTable.Name(InterventionKind.WelcomeSeries)))
            {
                await context.CreateTimer(window.From.UtcDateTime + (window.To - window.From) / 2, CancellationToken.None);
                await context.CallActivityAsync<int>(RetentionCampaignActivities.FollowUpWelcome, id, Reliable);
            }
            await context.CreateTimer(window.To.UtcDateTime, CancellationToken.None);
            return await context.CallActivityAsync<CampaignResults>(RetentionCampaignActivities.Measure, id, Reliable);
        }
        catch (TaskFailedException failed)
        {
            await context.CallActivityAsync<bool>(RetentionCampaignActivities.RecordFailure, new CampaignFailure(id, failed.FailureDetails.ErrorMessage), Reliable);
            return null;
        }
    }
}
