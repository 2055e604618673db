using Commerce.Durable;
using Commerce.Retention.Campaigns;

namespace Commerce.Orchestrations.RetentionCampaign;

public static class RetentionCampaignSetup
{
    /// <summary>The retention campaign orchestrator and every activity it calls.</summary>
    public static DurableTaskRegistry AddRetentionCampaigns(this DurableTaskRegistry tasks) => tasks
        .AddOrchestrator<RetentionCampaignOrchestrator, RetentionCampaignInput, CampaignResults?>(RetentionCampaignOrchestrator.Name)
        .AddActivity<SelectCampaignAudience, string, CampaignAudience>(RetentionCampaignActivities.SelectAudience)
        .AddActivity<TreatCampaignBatch, TreatBatchRequest, int>(RetentionCampaignActivities.TreatBatch)
        .AddActivity<StartCampaignMeasurement, string, MeasurementWindow>(RetentionCampaignActivities.StartMeasuring)
        .AddActivity<FollowUpWelcomeSeries, string, int>(RetentionCampaignActivities.FollowUpWelcome)
        .AddActivity<MeasureCampaign, string, CampaignResults>(RetentionCampaignActivities.Measure)
        .AddActivity<RecordCampaignFailure, CampaignFailure, bool>(RetentionCampaignActivities.RecordFailure);
}
