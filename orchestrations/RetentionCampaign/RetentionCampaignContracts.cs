namespace Commerce.Orchestrations.RetentionCampaign;

/// <param name="MessagesPerSecond">the fan-out's pace, fixed when the campaign starts so that replays keep it.</param>
/// <param name="ParallelBatches">treatment calls in flight at once.</param>
public sealed record RetentionCampaignInput(string CampaignId, int MessagesPerSecond, int ParallelBatches);

public sealed record TreatBatchRequest(string CampaignId, int Batch);

/// <summary>The measurement window the campaign waits for, recorded when the treatment ends.</summary>
public sealed record MeasurementWindow(DateTimeOffset From, DateTimeOffset To);

public sealed record CampaignFailure(string CampaignId, string Error);

public static class RetentionCampaignActivities
{
    public const string SelectAudience = "SelectCampaignAudience";
    public const string TreatBatch = "TreatCampaignBatch";
    public const string StartMeasuring = "StartCampaignMeasurement";
    public const string FollowUpWelcome = "FollowUpWelcomeSeries";
    public const string Measure = "MeasureCampaign";
    public const string RecordFailure = "RecordCampaignFailure";
}
