using System.Text.Json;
using System.Text.Json.Serialization;
using Commerce.Storage.Documents;

namespace Commerce.Retention.Interventions;

[JsonConverter(typeof(JsonStringEnumConverter<RetentionTaskStatus>))]
public enum RetentionTaskStatus
{
    /// <summary>For staff to act on (an account manager's call).</summary>
    [JsonStringEnumMemberName("open")] Open,

    /// <summary>An offer waiting for an admin to approve or decline it before the customer hears of it.</summary>
    [JsonStringEnumMemberName("awaiting_approval")] AwaitingApproval,
    [JsonStringEnumMemberName("approved")] Approved,
    [JsonStringEnumMemberName("declined")] Declined,
    [JsonStringEnumMemberName("done")] Done,
}

/// <summary>Work a campaign gives staff: an account manager's call, or a net-terms or credit-limit offer to approve.</summary>
public sealed record RetentionTask
{
    public required string Id { get; init; }
    public required InterventionKind Kind { get; init; }
    public required string CustomerId { get; init; }
    public required string CampaignId { get; init; }
    public required RetentionTaskStatus Status { get; init; }
    public required string Summary { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The terms a credit offer proposes; null when the account's history gives none to propose.</summary>
    public CreditTerms? ProposedTerms { get; init; }

    /// <summary>The terms an approved credit offer put on the account.</summary>
    public CreditTerms? ApprovedTerms { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public string? DecidedBy { get; init; }
}

public sealed class RetentionTaskStore(IDocumentStore documents)
{
    public const string Container = "retention-tasks";
    private const string Partition = "tasks";

    private Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) => documents.GetContainerAsync(Container, cancellationToken);

    /// <summary>Creates the task unless one with its id exists (a retried treatment); returns the stored one.</summary>
    public async Task<RetentionTask> CreateOnceAsync(RetentionTask task, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await container.CreateAsync(Partition, task.Id, task, cancellationToken).ConfigureAwait(false);
            return task;
        }
        catch (DocumentConflictException)
        {
            return (await container.ReadAsync<RetentionTask>(Partition, task.Id, cancellationToken).ConfigureAwait(false))!.Value.Value;
        }
    }

    public async Task<RetentionTask?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        DocumentRules.IsValidKey(id)
            ? (await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<RetentionTask>(Partition, id, cancellationToken).ConfigureAwait(false))?.Value
            : null;

    public async Task<RetentionTask?> ChangeAsync(string id, Func<RetentionTask, RetentionTask> change, CancellationToken cancellationToken = default) =>
        await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ChangeAsync<RetentionTask>(Partition, id, t => t is null ? null : change(t), cancellationToken).ConfigureAwait(false);

    public async Task<(IReadOnlyList<RetentionTask> Tasks, string? ContinuationToken)> ListAsync(RetentionTaskStatus? status, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var query = DocumentQuery.All with { OrderBy = "createdAt", Descending = true, PageSize = pageSize, ContinuationToken = continuationToken };
        if (status is { } wanted)
            query = query.Where("status", JsonNamingPolicy.SnakeCaseLower.ConvertName(wanted.ToString()));
        var page = await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).QueryAsync(Partition, query, cancellationToken).ConfigureAwait(false);
        return (page.Items.Select(d => d.Deserialize<RetentionTask>()).ToList(), page.ContinuationToken);
    }
}
