using System.Diagnostics;

namespace Commerce.Testing;

/// <summary>Waits for what another thread or process brings about: observes until a condition holds or a deadline passes.</summary>
public static class Poll
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Observes until <paramref name="done"/> holds for what is observed, and returns that.</summary>
    /// <param name="what">what is awaited, for the failure message (which also gives the last observed value).</param>
    /// <param name="every">the pause between observations; 50 ms by default.</param>
    /// <param name="describe">how the failure message shows an observed value; its <c>ToString()</c> by default.</param>
    /// <exception cref="TimeoutException"><paramref name="done"/> did not hold within <paramref name="within"/>.</exception>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> observe, Func<T, bool> done, TimeSpan within, string what, TimeSpan? every = null, Func<T, string>? describe = null)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var observed = await observe();
            if (done(observed))
                return observed;
            if (waited.Elapsed > within)
                throw new TimeoutException($"Timed out after {within} waiting for {what}; last observed: {(describe is null ? observed?.ToString() : describe(observed))}");
            await Task.Delay(every ?? DefaultInterval);
        }
    }

    /// <inheritdoc cref="UntilAsync{T}(Func{Task{T}}, Func{T, bool}, TimeSpan, string, TimeSpan?, Func{T, string}?)"/>
    public static Task<T> UntilAsync<T>(Func<T> observe, Func<T, bool> done, TimeSpan within, string what, TimeSpan? every = null, Func<T, string>? describe = null) =>
        UntilAsync(() => Task.FromResult(observe()), done, within, what, every, describe);

    /// <summary>Checks <paramref name="condition"/> until it holds.</summary>
    /// <param name="what">what is awaited, for the failure message.</param>
    /// <param name="every">the pause between checks; 50 ms by default.</param>
    /// <exception cref="TimeoutException"><paramref name="condition"/> did not hold within <paramref name="within"/>.</exception>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan within, string what, TimeSpan? every = null) =>
        UntilAsync(condition, held => held, within, what, every);

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, TimeSpan, string, TimeSpan?)"/>
    public static Task UntilAsync(Func<bool> condition, TimeSpan within, string what, TimeSpan? every = null) =>
        UntilAsync(() => Task.FromResult(condition()), held => held, within, what, every);
}
