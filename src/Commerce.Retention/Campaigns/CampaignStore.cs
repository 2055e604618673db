using Commerce.Storage.Documents;

namespace Commerce.Retention.Campaigns;

/// <summary>Campaigns (one partition: the list is one query) and their members (one partition per campaign).</summary>
public sealed class CampaignStore(IDocumentStore documents)
{
    public const string Container = "retention-campaigns";
    public const string MembersContainer = "retention-campaign-members";
    private const string Partition = "campaigns";

    private Task<IDocumentContainer> CampaignsAsync(CancellationToken cancellationToken) => documents.GetContainerAsync(Container, cancellationToken);

    private Task<IDocumentContainer> MembersAsync(CancellationToken cancellationToken) => documents.GetContainerAsync(MembersContainer, cancellationToken);

    public async Task<Campaign?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        DocumentRules.IsValidKey(id)
            ? (await (await CampaignsAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<Campaign>(Partition, id, cancellationToken).ConfigureAwait(false))?.Value
            : null;

    /// <exception cref="DocumentConflictException">a campaign with this id exists.</exception>
    public async Task CreateAsync(Campaign campaign, CancellationToken cancellationToken = default) =>
        await (await CampaignsAsync(cancellationToken).ConfigureAwait(false)).CreateAsync(Partition, campaign.Id, campaign, cancellationToken).ConfigureAwait(false);

    public async Task<Campaign> UpdateAsync(string id, Func<Campaign, Campaign> change, CancellationToken cancellationToken = default) =>
        await (await CampaignsAsync(cancellationToken).ConfigureAwait(false)).ChangeAsync<Campaign>(Partition, id, c => c is null ? throw new KeyNotFoundException($"Campaign '{id}' does not exist.") : change(c), cancellationToken).ConfigureAwait(false)
        ?? throw new KeyNotFoundException($"Campaign '{id}' does not exist.");

    public async Task<(IReadOnlyList<Campaign> Campaigns, string? ContinuationToken)> ListAsync(int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var query = DocumentQuery.All with { OrderBy = "startedAt", Descending = true, PageSize = pageSize, ContinuationToken = continuationToken };
        var page = await (await CampaignsAsync(cancellationToken).ConfigureAwait(false)).QueryAsync(Partition, query, cancellationToken).ConfigureAwait(false);
        return (page.Items.Select(d => d.Deserialize<Campaign>()).ToList(), page.ContinuationToken);
    }

    public async Task PutMembersAsync(IReadOnlyList<CampaignMember> members, CancellationToken cancellationToken = default)
    {
        var container = await MembersAsync(cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(members, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (m, token) =>
            await container.UpsertAsync(m.CampaignId, m.CustomerId, m, token).ConfigureAwait(false)).ConfigureAwait(false);
    }

    public async Task PutMemberAsync(CampaignMember member, CancellationToken cancellationToken = default) =>
        await (await MembersAsync(cancellationToken).ConfigureAwait(false)).UpsertAsync(member.CampaignId, member.CustomerId, member, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<CampaignMember>> MembersAsync(string campaignId, int? batch = null, CancellationToken cancellationToken = default)
    {
        var query = DocumentQuery.All with { PageSize = DocumentQuery.MaxPageSize };
        if (batch is { } wanted)
            query = query.Where("batch", wanted).Where("group", nameof(CampaignGroup.Treated).ToLowerInvariant());
        var found = await (await MembersAsync(cancellationToken).ConfigureAwait(false)).QueryAllAsync(campaignId, query, cancellationToken).ConfigureAwait(false);
        return found.Select(d => d.Deserialize<CampaignMember>()).ToList();
    }
}
