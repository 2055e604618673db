using Commerce.Storage.Documents;

namespace Commerce.Retention.Interventions;

/// <summary>
/// The interventions table and every version it had. The current table is one document whose ETag guards
/// changes (the commit point of a save); each version is also kept under its number, so a campaign can always
/// show the rules it ran with.
/// </summary>
public sealed class InterventionRulesStore(IDocumentStore documents, TimeProvider time)
{
    public const string Container = "retention-rules";
    private const string CurrentPartition = "current";
    private const string CurrentId = "table";
    private const string VersionsPartition = "versions";

    private Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) => documents.GetContainerAsync(Container, cancellationToken);

    private static string VersionId(int version) => $"v{version:D6}";

    /// <summary>The table in force and its ETag; version 0 with no rules (and no ETag) before the first save.</summary>
    public async Task<(InterventionTable Table, string? ETag)> CurrentAsync(CancellationToken cancellationToken = default)
    {
        var stored = await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<InterventionTable>(CurrentPartition, CurrentId, cancellationToken).ConfigureAwait(false);
        return stored is { } found ? (found.Value, found.ETag) : (new InterventionTable(0, [], DateTimeOffset.MinValue, ""), null);
    }

    public async Task<InterventionTable?> VersionAsync(int version, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var stored = await container.ReadAsync<InterventionTable>(VersionsPartition, VersionId(version), cancellationToken).ConfigureAwait(false);
        if (stored is not null)
            return stored.Value.Value;
        var (current, _) = await CurrentAsync(cancellationToken).ConfigureAwait(false);
        return current.Version == version && version > 0 ? current : null;
    }

    /// <summary>Saves <paramref name="rules"/> as the next version. The caller validated them.</summary>
    /// <param name="ifMatch">the ETag of the table the change was made to; null only before the first save.</param>
    /// <exception cref="DocumentPreconditionFailedException">the table changed since <paramref name="ifMatch"/> (or exists and none was given).</exception>
    public async Task<(InterventionTable Table, string ETag)> SaveAsync(IReadOnlyList<InterventionRule> rules, string? ifMatch, string savedBy, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var (current, etag) = await CurrentAsync(cancellationToken).ConfigureAwait(false);
        if (etag != ifMatch)
            throw new DocumentPreconditionFailedException(Container, CurrentPartition, CurrentId);
        // A save that died after moving the current table may not have kept its version yet.
        if (current.Version > 0)
            await container.UpsertAsync(VersionsPartition, VersionId(current.Version), current, cancellationToken).ConfigureAwait(false);
        var next = new InterventionTable(current.Version + 1, rules, time.GetUtcNow(), savedBy);
        StoredDocument written;
        try
        {
            written = etag is null
                ? await container.CreateAsync(CurrentPartition, CurrentId, next, cancellationToken).ConfigureAwait(false)
                : await container.ReplaceAsync(CurrentPartition, CurrentId, next, etag, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentConflictException)
        {
            throw new DocumentPreconditionFailedException(Container, CurrentPartition, CurrentId);
        }
        await container.UpsertAsync(VersionsPartition, VersionId(next.Version), next, cancellationToken).ConfigureAwait(false);
        return (next, written.ETag);
    }
}
