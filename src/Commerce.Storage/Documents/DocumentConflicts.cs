namespace Commerce.Storage.Documents;

/// <summary>
/// The one retry policy for optimistic writes that lose a race (the ETag changed, the document was created
/// or deleted meanwhile): at most <see cref="MaxAttempts"/> attempts, each after a jittered, exponentially
/// growing pause, so that writers that collided spread out instead of colliding again.
/// </summary>
public static class DocumentConflicts
{
    public const int MaxAttempts = 10;
    public static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10);
    public static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(1);

    /// <summary>Whether <paramref name="e"/> means another writer got there first.</summary>
    public static bool IsLostRace(Exception e) => e is DocumentPreconditionFailedException or DocumentConflictException or DocumentNotFoundException;

    /// <summary>
    /// Runs <paramref name="attempt"/> (read, decide, write conditionally) until it does not lose a race; any
    /// other exception ends it at once.
    /// </summary>
    /// <exception cref="DocumentContentionException">every one of the <see cref="MaxAttempts"/> attempts lost.</exception>
    public static async Task<T> RetryAsync<T>(string container, string partitionKey, string id, Func<Task<T>> attempt, CancellationToken cancellationToken = default)
    {
        for (var tried = 1; ; tried++)
        {
            try
            {
                return await attempt().ConfigureAwait(false);
            }
            catch (Exception e) when (IsLostRace(e) && tried >= MaxAttempts)
            {
                throw new DocumentContentionException(container, partitionKey, id, tried, e);
            }
            catch (Exception e) when (IsLostRace(e))
            {
                // Decide again on what the other writer wrote, after a pause.
            }
            await Task.Delay(PauseAfter(tried), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The pause after failed attempt <paramref name="attempt"/> (1-based): between half and all of FirstPause x 2^(attempt-1), capped at MaxPause.</summary>
    public static TimeSpan PauseAfter(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        var full = Math.Min(FirstPause.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)), MaxPause.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(full * (0.5 + Random.Shared.NextDouble() / 2));
    }
}

/// <summary>Other writers kept changing a document: a read-modify-write gave up after <see cref="Attempts"/> attempts and wrote nothing.</summary>
public sealed class DocumentContentionException(string container, string partitionKey, string id, int attempts, Exception lastConflict)
    : DocumentStoreException($"Gave up changing document '{id}' in partition '{partitionKey}' of '{container}' after {attempts} attempts: other writers kept changing it.", lastConflict)
{
    public int Attempts { get; } = attempts;
}
