using Commerce.Storage.Documents;

namespace Commerce.Retention.Risk;

/// <summary>Each customer's latest churn risk, one document per customer, and the segment view of the last scoring.</summary>
public sealed class ChurnRiskStore(IDocumentStore documents)
{
    public const string Container = "churn-risk";
    private const string Latest = "latest";
    private const string SummaryPartition = "scoring";

    private Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) => documents.GetContainerAsync(Container, cancellationToken);

    public async Task<ChurnRisk?> GetAsync(string customerId, CancellationToken cancellationToken = default) =>
        DocumentRules.IsValidKey(customerId)
            ? (await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<ChurnRisk>(customerId, Latest, cancellationToken).ConfigureAwait(false))?.Value
            : null;

    /// <summary>Stores every customer's risk, then the summary: a summary names a scoring whose risks are all stored.</summary>
    public async Task PutAllAsync(IReadOnlyList<ChurnRisk> risks, RiskSummary summary, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(risks, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (risk, token) =>
            await container.UpsertAsync(risk.CustomerId, Latest, risk, token).ConfigureAwait(false)).ConfigureAwait(false);
        await container.UpsertAsync(SummaryPartition, Latest, summary, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RiskSummary?> SummaryAsync(CancellationToken cancellationToken = default) =>
        (await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<RiskSummary>(SummaryPartition, Latest, cancellationToken).ConfigureAwait(false))?.Value;
}
