using Commerce.Durable;
using Commerce.Orders.Orders;
using Commerce.Retention.Campaigns;
using Commerce.Retention.Interventions;
using Commerce.Retention.Notifications;

namespace Commerce.Orchestrations.RetentionCampaign;

public sealed class SelectCampaignAudience(CampaignPlanner planner) : TaskActivity<string, CampaignAudience>
{
    public override Task<CampaignAudience> RunAsync(TaskActivityContext context, string campaignId) => planner.SelectAsync(campaignId, context.CancellationToken);
}

/// <summary>Treats the members of one batch that are not treated yet; returns how many it treated now.</summary>
public sealed class TreatCampaignBatch(CampaignStore campaigns, CampaignTreatment treatment) : TaskActivity<TreatBatchRequest, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, TreatBatchRequest request)
    {
        var campaign = await campaigns.GetAsync(request.CampaignId, context.CancellationToken) ?? throw new KeyNotFoundException($"Campaign '{request.CampaignId}' does not exist.");
        var treated = 0;
        foreach (var member in await campaigns.MembersAsync(request.CampaignId, request.Batch, context.CancellationToken))
        {
            if (member.TreatedAt is not null)
                continue;
            await treatment.TreatAsync(campaign, member, context.CancellationToken);
            treated++;
        }
        return treated;
    }
}

/// <summary>Fixes the measurement window when the treatment is over (once: a retry gets the same window).</summary>
public sealed class StartCampaignMeasurement(CampaignStore campaigns, TimeProvider time) : TaskActivity<string, MeasurementWindow>
{
    public override async Task<MeasurementWindow> RunAsync(TaskActivityContext context, string campaignId)
    {
        var now = time.GetUtcNow();
        var campaign = await campaigns.UpdateAsync(campaignId, c => c.MeasureFrom is not null ? c : c with
        {
            Status = CampaignStatus.Measuring,
            MeasureFrom = now,
            MeasureAt = now + c.MeasurementWindow,
        }, context.CancellationToken);
        return new MeasurementWindow(campaign.MeasureFrom!.Value, campaign.MeasureAt!.Value);
    }
}

/// <summary>The welcome series' second step: a reminder to new buyers who have not ordered again since their welcome.</summary>
public sealed class FollowUpWelcomeSeries(CampaignStore campaigns, OrderRepository orders, NotificationOutbox outbox) : TaskActivity<string, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, string campaignId)
    {
        var sent = 0;
        foreach (var member in await campaigns.MembersAsync(campaignId, cancellationToken: context.CancellationToken))
        {
            if (member.Group != CampaignGroup.Treated || member.Action.Kind != InterventionKind.WelcomeSeries || member.TreatedAt is not { } welcomed)
                continue;
            if (await orders.CountPlacedSinceAsync(member.CustomerId, welcomed, context.CancellationToken) > 0)
                continue;
            await outbox.SendAsync(new NotificationRequest($"{CampaignTreatment.MessageKey(campaignId, member.CustomerId)}:follow-up", member.CustomerId,
                NotificationCategory.Marketing, "welcome_follow_up",
                new NotificationContent("Still thinking it over?", "The discount on your second order is still waiting in your messages. We would love to see you again."))
            { CampaignId = campaignId }, context.CancellationToken);
            sent++;
        }
        return sent;
    }
}

public sealed class MeasureCampaign(CampaignStore campaigns, CampaignMeasurer measurer) : TaskActivity<string, CampaignResults>
{
    public override async Task<CampaignResults> RunAsync(TaskActivityContext context, string campaignId)
    {
        var campaign = await campaigns.GetAsync(campaignId, context.CancellationToken) ?? throw new KeyNotFoundException($"Campaign '{campaignId}' does not exist.");
        var results = await measurer.MeasureAsync(campaign, campaign.MeasureFrom!.Value, campaign.MeasureAt!.Value, context.CancellationToken);
        await campaigns.UpdateAsync(campaignId, c => c with { Results = results, Status = CampaignStatus.Completed }, context.CancellationToken);
        return results;
    }
}

public sealed class RecordCampaignFailure(CampaignStore campaigns) : TaskActivity<CampaignFailure, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, CampaignFailure failure)
    {
        await campaigns.UpdateAsync(failure.CampaignId, c => c with { Status = CampaignStatus.Failed, Failure = failure.Error }, context.CancellationToken);
        return true;
    }
}
