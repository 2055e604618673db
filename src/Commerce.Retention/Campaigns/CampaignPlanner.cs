using Commerce.Retention.Audience;
using Commerce.Retention.Interventions;

using Commerce.Intelligence;

namespace Commerce.Retention.Campaigns;

/// <summary>
/// Chooses a campaign's members once: every customer a rule of the campaign's table matches as of its start, each
/// held out as control by a draw that depends only on the campaign and the customer, the treated ones numbered
/// into batches for the fan-out. Asked again (a retried activity), it returns what it chose the first time.
/// </summary>
public sealed class CampaignPlanner(CampaignStore campaigns, InterventionRulesStore rules, AudienceSource audience, CampaignSettings settings)
{
    public async Task<CampaignAudience> SelectAsync(string campaignId, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Campaign '{campaignId}' does not exist.");
        if (campaign.Audience is { } chosen)
            return chosen;
        var table = await rules.VersionAsync(campaign.RulesVersion, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Rules version {campaign.RulesVersion} of campaign '{campaignId}' does not exist.");
        var customers = await audience.AsOfAsync(campaign.StartedAt, cancellationToken).ConfigureAwait(false);
        var members = Assign(campaign, table, customers, settings.BatchSize);
        await campaigns.PutMembersAsync(members, cancellationToken).ConfigureAwait(false);
        var treated = members.Where(m => m.Group == CampaignGroup.Treated).ToList();
        var summary = new CampaignAudience(
            campaign.StartedAt,
            members.Count,
            treated.Count,
            members.Count - treated.Count,
            treated.Count == 0 ? 0 : treated.Max(m => m.Batch) + 1,
            members.GroupBy(m => InterventionTable.Name(m.Action.Kind)).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));
        await campaigns.UpdateAsync(campaignId, c => c with { Audience = summary, Status = CampaignStatus.Treating }, cancellationToken).ConfigureAwait(false);
        return summary;
    }

    /// <summary>The draw that puts a customer in a campaign's control group: stable for the campaign and customer.</summary>
    public static bool IsHeldOut(string campaignId, string customerId, double holdoutShare) =>
        StableDraw.Fraction($"campaign-holdout:{campaignId}", customerId) < holdoutShare;

    public static IReadOnlyList<CampaignMember> Assign(Campaign campaign, InterventionTable table, IReadOnlyList<CustomerSnapshot> customers, int batchSize)
    {
        var members = new List<CampaignMember>();
        var treated = 0;
        foreach (var customer in customers.OrderBy(c => c.CustomerId, StringComparer.Ordinal))
        {
            if (table.Match(customer) is not { } rule)
                continue;
            var heldOut = IsHeldOut(campaign.Id, customer.CustomerId, campaign.HoldoutShare);
            members.Add(new CampaignMember
            {
                CampaignId = campaign.Id,
                CustomerId = customer.CustomerId,
                Group = heldOut ? CampaignGroup.Control : CampaignGroup.Treated,
                RuleId = rule.Id,
                Action = rule.Action,
                Snapshot = customer,
                Batch = heldOut ? -1 : treated++ / batchSize,
            });
        }
        return members;
    }
}
