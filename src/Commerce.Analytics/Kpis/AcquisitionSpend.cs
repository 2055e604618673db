using System.Globalization;
using Commerce.Storage.Documents;

namespace Commerce.Analytics.Kpis;

/// <summary>What the shop spent to win customers in one month through one channel, in the shop's currency.</summary>
/// <param name="Month">yyyy-MM.</param>
public sealed record AcquisitionSpend(string Month, string Channel, decimal Amount, string Currency, DateTimeOffset UpdatedAt)
{
    public DateOnly MonthStart => DateOnly.ParseExact(Month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>Acquisition spend as the admin enters it: one document per month and channel, all in one small partition.</summary>
public sealed class AcquisitionSpendStore(IDocumentStore documents)
{
    public const string Container = "acquisition-spend";
    private const string Partition = "spend";

    public async Task<IReadOnlyList<AcquisitionSpend>> ListAsync(CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        var all = await container.QueryAllAsync(Partition, DocumentQuery.All with { PageSize = DocumentQuery.MaxPageSize }, cancellationToken).ConfigureAwait(false);
        return [.. all.Select(d => d.Deserialize<AcquisitionSpend>()).OrderBy(s => s.Month, StringComparer.Ordinal).ThenBy(s => s.Channel, StringComparer.Ordinal)];
    }

    /// <summary>Sets each entry's amount (replacing what that month and channel had).</summary>
    public async Task SetAsync(IEnumerable<AcquisitionSpend> entries, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        foreach (var entry in entries)
            await container.UpsertAsync(Partition, $"{entry.Month}:{entry.Channel}", entry, cancellationToken).ConfigureAwait(false);
    }
}
