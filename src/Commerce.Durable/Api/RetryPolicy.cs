namespace Commerce.Durable;

/// <summary>
/// Durable retries of a failed activity or sub-orchestration: the waits between attempts are durable
/// timers, so they survive restarts. Delay n = firstRetryInterval * backoffCoefficient^(n-1), capped by
/// maxRetryInterval; no attempt starts later than retryTimeout after the first one.
/// </summary>
public sealed record RetryPolicy
{
    public RetryPolicy(int maxNumberOfAttempts, TimeSpan firstRetryInterval, double backoffCoefficient = 1.0, TimeSpan? maxRetryInterval = null, TimeSpan? retryTimeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNumberOfAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(firstRetryInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(backoffCoefficient, 1.0);
        MaxNumberOfAttempts = maxNumberOfAttempts;
        FirstRetryInterval = firstRetryInterval;
        BackoffCoefficient = backoffCoefficient;
        MaxRetryInterval = maxRetryInterval ?? TimeSpan.FromHours(1);
        RetryTimeout = retryTimeout ?? Timeout.InfiniteTimeSpan;
    }

    public int MaxNumberOfAttempts { get; }
    public TimeSpan FirstRetryInterval { get; }
    public double BackoffCoefficient { get; }
    public TimeSpan MaxRetryInterval { get; }

    /// <summary><see cref="Timeout.InfiniteTimeSpan"/> when there is no overall limit.</summary>
    public TimeSpan RetryTimeout { get; }

    /// <summary>Which failures are worth another attempt; all of them when null.</summary>
    public Func<TaskFailedException, bool>? Handle { get; init; }

    /// <summary>
    /// Spreads each delay randomly by up to this fraction either way (0 to 1), so that many instances
    /// failing together do not retry together. The spread is derived from the instance id and the
    /// attempt, so a replay computes the same delay.
    /// </summary>
    public double Jitter { get; init; }

    /// <summary>The wait before attempt <paramref name="nextAttempt"/> (2 for the first retry), before jitter.</summary>
    public TimeSpan DelayBefore(int nextAttempt)
    {
        var delay = FirstRetryInterval.TotalMilliseconds * Math.Pow(BackoffCoefficient, nextAttempt - 2);
        return TimeSpan.FromMilliseconds(Math.Min(delay, MaxRetryInterval.TotalMilliseconds));
    }
}

public sealed record TaskOptions(RetryPolicy? Retry = null)
{
    public static TaskOptions FromRetryPolicy(RetryPolicy policy) => new(policy);
}

public sealed record SubOrchestrationOptions(string? InstanceId = null, RetryPolicy? Retry = null);

public sealed record StartOrchestrationOptions(string? InstanceId = null, DateTimeOffset? StartAt = null)
{
    /// <summary>Statuses of a finished instance with this id that keep it as it is instead of starting it over.</summary>
    public IReadOnlyList<OrchestrationRuntimeStatus>? DedupeStatuses { get; init; }
}
