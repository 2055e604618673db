namespace Commerce.Storage.Documents;

/// <summary>
/// One holder at a time across instances, kept as a document: whoever finds it free or expired takes it. The
/// holder is this object, not the instance, so two runs in one process exclude each other too.
/// </summary>
public sealed class DocumentLease(IDocumentContainer container, string partitionKey, string id, TimeSpan duration, TimeProvider time)
{
    private readonly string _holder = Guid.NewGuid().ToString("N");

    /// <summary>Takes the lease, or renews it while held; false when someone else holds it.</summary>
    public async Task<bool> TakeAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var lease = await container.ChangeAsync<LeaseRecord>(partitionKey, id, current =>
            current is null || current.Holder == _holder || current.ExpiresAt <= now
                ? new LeaseRecord(_holder, now + duration)
                : current, cancellationToken).ConfigureAwait(false);
        return lease?.Holder == _holder;
    }

    public async Task ReleaseAsync()
    {
        var now = time.GetUtcNow();
        await container.ChangeAsync<LeaseRecord>(partitionKey, id, current =>
            current?.Holder == _holder ? current with { ExpiresAt = now } : current, CancellationToken.None).ConfigureAwait(false);
    }

    private sealed record LeaseRecord(string Holder, DateTimeOffset ExpiresAt);
}
