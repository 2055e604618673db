using Microsoft.DurableTask;

namespace Commerce.Orchestrations.RetentionCampaign;

public static class RetentionCampaignSetup
{
    /// <summary>The retention campaign orchestrator and every activity it calls, each activity under its class name.</summary>
    public static DurableTaskRegistry AddRetentionCampaigns(this DurableTaskRegistry tasks) => tasks
        .AddOrchestrator<RetentionCampaignOrchestrator>(RetentionCampaignOrchestrator.Name)
        .AddActivity<SelectCampaignAudience>()
        .AddActivity<TreatCampaignBatch>()
        .AddActivity<StartCampaignMeasurement>()
        .AddActivity<FollowUpWelcomeSeries>()
        .AddActivity<MeasureCampaign>()
        .AddActivity<RecordCampaignFailure>();
}
