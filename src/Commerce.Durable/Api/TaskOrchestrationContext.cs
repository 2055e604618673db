using Microsoft.Extensions.Logging;

namespace Commerce.Durable;

/// <summary>
/// What an orchestrator sees. The orchestrator is replayed from its history to decide each next step, so
/// its code must be deterministic: take time, ids and randomness from this context, do I/O in activities,
/// and never await anything but this context's tasks (no Task.Delay, no ConfigureAwait(false)).
/// </summary>
public abstract class TaskOrchestrationContext
{
    public abstract TaskName Name { get; }
    public abstract string InstanceId { get; }

    /// <summary>The time of the step being run, the same on every replay.</summary>
    public abstract DateTime CurrentUtcDateTime { get; }

    /// <summary>True while the code runs through events it has already handled in earlier steps.</summary>
    public abstract bool IsReplaying { get; }

    public abstract T? GetInput<T>();

    public abstract Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null);

    public Task CallActivityAsync(TaskName name, object? input = null, TaskOptions? options = null) =>
        CallActivityAsync<object?>(name, input, options);

    public abstract Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, SubOrchestrationOptions? options = null);

    public Task CallSubOrchestratorAsync(TaskName orchestratorName, object? input = null, SubOrchestrationOptions? options = null) =>
        CallSubOrchestratorAsync<object?>(orchestratorName, input, options);

    /// <summary>A durable timer; cancelling the token abandons it (the orchestration stops waiting).</summary>
    public abstract Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken);

    public Task CreateTimer(TimeSpan delay, CancellationToken cancellationToken) => CreateTimer(CurrentUtcDateTime.Add(delay), cancellationToken);

    /// <summary>Waits for an event raised to this instance; events raised before anyone waits are kept. Names are case-insensitive.</summary>
    public abstract Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="WaitForExternalEvent{T}(string, CancellationToken)"/>, failing with <see cref="TaskCanceledException"/> when the timeout passes first.</summary>
    public async Task<T> WaitForExternalEvent<T>(string eventName, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource();
        var received = WaitForExternalEvent<T>(eventName, cancel.Token);
        var timer = CreateTimer(timeout, cancel.Token);
        var first = await Task.WhenAny(received, timer);
        if (first == received)
        {
            cancel.Cancel();
            return await received;
        }
        cancel.Cancel();
        throw new TaskCanceledException($"No '{eventName}' event arrived within {timeout}.");
    }

    /// <summary>A JSON-serialisable status that clients can read while the orchestration runs (at most 16 KB).</summary>
    public abstract void SetCustomStatus(object? customStatus);

    /// <summary>Ends this execution and starts a fresh one with a new input and an empty history.</summary>
    public abstract void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true);

    /// <summary>Raises an event on another orchestration instance.</summary>
    public abstract void SendEvent(string instanceId, string eventName, object? eventData = null);

    /// <summary>A GUID that is the same on every replay.</summary>
    public abstract Guid NewGuid();

    /// <summary>A logger that stays silent while the orchestration replays, so each line is written once.</summary>
    public abstract ILogger CreateReplaySafeLogger(string categoryName);

    public ILogger CreateReplaySafeLogger<T>() => CreateReplaySafeLogger(typeof(T).FullName ?? typeof(T).Name);
}

/// <summary>What an activity sees.</summary>
public sealed class TaskActivityContext(TaskName name, string instanceId, int taskId, IServiceProvider services, CancellationToken cancellationToken)
{
    public TaskName Name { get; } = name;
    public string InstanceId { get; } = instanceId;

    /// <summary>The activity's position in its orchestration; together with the instance id a stable idempotency key.</summary>
    public int TaskId { get; } = taskId;

    public IServiceProvider Services { get; } = services;
    public CancellationToken CancellationToken { get; } = cancellationToken;
}

/// <summary>An orchestrator written as a class.</summary>
public abstract class TaskOrchestrator<TInput, TOutput>
{
    public abstract Task<TOutput> RunAsync(TaskOrchestrationContext context, TInput input);
}

/// <summary>An activity written as a class; resolved from dependency injection for each call.</summary>
public abstract class TaskActivity<TInput, TOutput>
{
    public abstract Task<TOutput> RunAsync(TaskActivityContext context, TInput input);
}
