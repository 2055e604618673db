namespace Commerce.Payments.Routing;

/// <summary>
/// Per channel, in this process: after <see cref="Options.FailuresToOpen"/> unavailable answers in a row the
/// channel is skipped for <see cref="Options.BreakFor"/>; then one trial call decides whether it is back.
/// </summary>
public sealed class CircuitBreaker(CircuitBreaker.Options options, TimeProvider time)
{
    public sealed record Options(int FailuresToOpen = 3, TimeSpan BreakFor = default)
    {
        public TimeSpan BreakDuration => BreakFor == default ? TimeSpan.FromSeconds(30) : BreakFor;
    }

    private readonly Lock _gate = new();
    private int _failures;
    private DateTimeOffset? _openUntil;
    private bool _trialRunning;

    public bool IsOpen
    {
        get
        {
            lock (_gate)
                return _openUntil is { } until && time.GetUtcNow() < until;
        }
    }

    /// <summary>Whether a call may go through now (when half-open, only one trial at a time).</summary>
    public bool TryEnter()
    {
        lock (_gate)
        {
            if (_openUntil is not { } until)
                return true;
            if (time.GetUtcNow() < until || _trialRunning)
                return false;
            _trialRunning = true;
            return true;
        }
    }

    public void Succeeded()
    {
        lock (_gate)
        {
            _failures = 0;
            _openUntil = null;
            _trialRunning = false;
        }
    }

    public void Failed()
    {
        lock (_gate)
        {
            _trialRunning = false;
            if (++_failures >= options.FailuresToOpen || _openUntil is not null)
                _openUntil = time.GetUtcNow() + options.BreakDuration;
        }
    }
}
