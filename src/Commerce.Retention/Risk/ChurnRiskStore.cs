using Commerce.Storage.Documents;

namespace Commerce.Retention.Risk;

/// <summary>Each customer's latest churn risk, one document per customer.</summary>
public sealed class ChurnRiskStore(IDocumentStore documents)
{
    public const string Container = "churn-risk";
    private const string Latest = "latest";

    private Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) => documents.GetContainerAsync(Container, cancellationToken);

    public async Task<ChurnRisk?> GetAsync(string customerId, CancellationToken cancellationToken = default) =>
        DocumentRules.IsValidKey(customerId)
            ? (await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<ChurnRisk>(customerId, Latest, cancellationToken).ConfigureAwait(false))?.Value
            : null;

    public async Task PutAllAsync(IReadOnlyList<ChurnRisk> risks, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        await Parallel.ForEachAsync(risks, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (risk, token) =>
            await container.UpsertAsync(risk.CustomerId, Latest, risk, token).ConfigureAwait(false)).ConfigureAwait(false);
    }
}
