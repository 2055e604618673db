using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Commerce.Storage.Documents;
using Microsoft.Extensions.Logging;

namespace Commerce.Durable.Engine;

/// <summary>The orchestration context during one step: actions are matched against history by sequence number.</summary>
internal sealed class ReplayContext : TaskOrchestrationContext
{
    public const int MaxCustomStatusBytes = 16 * 1024;

    private static readonly Guid GuidNamespace = new("7a9a3b5e-4f2c-4c55-9b7e-2f8f0a6c1d11");

    private readonly string _name;
    private readonly string _instanceId;
    private readonly string? _input;
    private readonly Func<string?, string?> _resolve;
    private readonly ILoggerFactory _loggers;
    private readonly Dictionary<int, ActionEvent> _recorded;
    private readonly Dictionary<int, Pending> _pending = [];
    private readonly Dictionary<string, Queue<EventRaised>> _buffered = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, LinkedList<EventWaiter>> _waiters = new(StringComparer.OrdinalIgnoreCase);
    private int _nextEventId;
    private int _guidCounter;

    public ReplayContext(string name, string instanceId, string? input, IEnumerable<HistoryEvent> past, Func<string?, string?> resolve, ILoggerFactory loggers)
    {
        _name = name;
        _instanceId = instanceId;
        _input = input;
        _resolve = resolve;
        _loggers = loggers;
        _recorded = past.OfType<ActionEvent>().ToDictionary(a => a.EventId);
    }

    public List<ActionEvent> NewActions { get; } = [];
    public NonDeterministicOrchestrationException? Nondeterminism { get; private set; }
    public string? CustomStatus { get; private set; }
    public bool CustomStatusSet { get; private set; }
    public (string? Input, bool PreserveEvents)? ContinueAsNewRequest { get; private set; }
    public DateTime Now { get; set; }
    public bool Replaying { get; set; }

    public override TaskName Name => _name;
    public override string InstanceId => _instanceId;
    public override DateTime CurrentUtcDateTime => Now;
    public override bool IsReplaying => Replaying;

    public override T? GetInput<T>() where T : default => Deserialize<T>(_resolve(_input));

    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null) =>
        options?.Retry is { } retry
            ? RetryAsync(retry, () => Schedule<TResult>(new TaskScheduled(_nextEventId++, name.Name, Serialize(input))))
            : Schedule<TResult>(new TaskScheduled(_nextEventId++, name.Name, Serialize(input)));

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, SubOrchestrationOptions? options = null)
    {
        Task<TResult> Once()
        {
            var id = _nextEventId++;
            var child = options?.InstanceId ?? $"{_instanceId}:{id}";
            return Schedule<TResult>(new SubOrchestrationCreated(id, orchestratorName.Name, child, Serialize(input)));
        }
        return options?.Retry is { } retry ? RetryAsync(retry, Once) : Once();
    }

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        var action = new TimerCreated(_nextEventId++, DateTime.SpecifyKind(fireAt, DateTimeKind.Utc));
        var completion = Record(action);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() =>
            {
                _pending.Remove(action.EventId);
                completion.TrySetCanceled(cancellationToken);
            });
        }
        return completion.Task;
    }

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default)
    {
        if (_buffered.TryGetValue(eventName, out var buffered) && buffered.Count > 0)
            return Task.FromResult(Deserialize<T>(_resolve(buffered.Dequeue().Input))!);
        var waiter = new EventWaiter(new TaskCompletionSource<string?>());
        if (!_waiters.TryGetValue(eventName, out var waiters))
            _waiters[eventName] = waiters = new LinkedList<EventWaiter>();
        var node = waiters.AddLast(waiter);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() =>
            {
                if (node.List is not null)
                    waiters.Remove(node);
                waiter.Completion.TrySetCanceled(cancellationToken);
            });
        }
        return Convert<T>(waiter.Completion.Task);
    }

    public override void SetCustomStatus(object? customStatus)
    {
        var serialized = Serialize(customStatus);
        if (serialized is not null && Encoding.UTF8.GetByteCount(serialized) > MaxCustomStatusBytes)
            throw new ArgumentException($"A custom status may have at most {MaxCustomStatusBytes} bytes of JSON.", nameof(customStatus));
        CustomStatus = serialized;
        CustomStatusSet = true;
    }

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        ContinueAsNewRequest = (Serialize(newInput), preserveUnprocessedEvents);

    public override void SendEvent(string instanceId, string eventName, object? eventData = null) =>
        Record(new EventSent(_nextEventId++, instanceId, eventName, Serialize(eventData)));

    public override Guid NewGuid()
    {
        var name = Encoding.UTF8.GetBytes($"{_instanceId}_{Now:O}_{_guidCounter++}");
        Span<byte> input = stackalloc byte[16 + name.Length];
        GuidNamespace.TryWriteBytes(input, bigEndian: true, out _);
        name.CopyTo(input[16..]);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(input, hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    public override ILogger CreateReplaySafeLogger(string categoryName) => new ReplaySafeLogger(this, _loggers.CreateLogger(categoryName));

    /// <summary>Hands a completion from history to the task waiting for it.</summary>
    public void Complete(CompletionEvent completion)
    {
        if (!_pending.Remove(completion.TaskScheduledId, out var pending))
            return; // an abandoned timer, or a completion the code no longer waits for
        switch (completion)
        {
            case TaskCompleted done:
                pending.Completion.TrySetResult(done.Result);
                break;
            case SubOrchestrationCompleted done:
                pending.Completion.TrySetResult(done.Result);
                break;
            case TimerFired:
                pending.Completion.TrySetResult(null);
                break;
            case TaskFailed failed:
                pending.Completion.TrySetException(new TaskFailedException(pending.Name, completion.TaskScheduledId, failed.Failure));
                break;
            case SubOrchestrationFailed failed:
                pending.Completion.TrySetException(new TaskFailedException(pending.Name, completion.TaskScheduledId, failed.Failure));
                break;
        }
    }

    public void Deliver(EventRaised raised)
    {
        if (_waiters.TryGetValue(raised.Name, out var waiters) && waiters.First is { } first)
        {
            waiters.RemoveFirst();
            first.Value.Completion.TrySetResult(raised.Input);
            return;
        }
        if (!_buffered.TryGetValue(raised.Name, out var queue))
            _buffered[raised.Name] = queue = new Queue<EventRaised>();
        queue.Enqueue(raised);
    }

    /// <summary>Events that arrived but that no code has taken yet (carried over by ContinueAsNew).</summary>
    public IEnumerable<EventRaised> UnconsumedEvents => _buffered.Values.SelectMany(q => q);

    private Task<T> Schedule<T>(ActionEvent action) => Convert<T>(Record(action).Task);

    private TaskCompletionSource<string?> Record(ActionEvent action)
    {
        if (_recorded.TryGetValue(action.EventId, out var past))
        {
            if (!SameAction(past, action))
                Nondeterminism ??= new NonDeterministicOrchestrationException(
                    $"Non-deterministic orchestration '{_name}' ({_instanceId}): at step #{action.EventId} its history records {past.Describe()} but the code now asks for {action.Describe()}.");
        }
        else
        {
            NewActions.Add(action);
        }
        var completion = new TaskCompletionSource<string?>();
        if (action is not EventSent)
            _pending[action.EventId] = new Pending(Describe(action), completion);
        else
            completion.SetResult(null);
        return completion;
    }

    private static string Describe(ActionEvent action) => action switch
    {
        TaskScheduled task => task.Name,
        SubOrchestrationCreated sub => sub.Name,
        _ => "timer",
    };

    private static bool SameAction(ActionEvent past, ActionEvent now) => (past, now) switch
    {
        (TaskScheduled a, TaskScheduled b) => string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase),
        (SubOrchestrationCreated a, SubOrchestrationCreated b) => string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase),
        (TimerCreated, TimerCreated) => true,
        (EventSent a, EventSent b) => string.Equals(a.Name, b.Name, StringComparison.OrdinalIgnoreCase) && a.InstanceId == b.InstanceId,
        _ => false,
    };

    private async Task<T> RetryAsync<T>(RetryPolicy policy, Func<Task<T>> attempt)
    {
        var firstAttemptAt = Now;
        for (var number = 1; ; number++)
        {
            try
            {
                return await attempt();
            }
            catch (TaskFailedException failure)
            {
                if (number >= policy.MaxNumberOfAttempts || (policy.Handle is { } handle && !handle(failure)))
                    throw;
                var delay = Jittered(policy, policy.DelayBefore(number + 1), failure.TaskId);
                var nextAt = Now + delay;
                if (policy.RetryTimeout != Timeout.InfiniteTimeSpan && nextAt > firstAttemptAt + policy.RetryTimeout)
                    throw;
                await CreateTimer(nextAt, CancellationToken.None);
            }
        }
    }

    private TimeSpan Jittered(RetryPolicy policy, TimeSpan delay, int taskId)
    {
        if (policy.Jitter <= 0)
            return delay;
        // FNV-1a over the instance and task: a fraction in [-1, 1) that is the same on every replay.
        var hash = 2166136261u;
        foreach (var c in $"{_instanceId}#{taskId}")
            hash = (hash ^ c) * 16777619u;
        var fraction = (hash / (double)uint.MaxValue * 2) - 1;
        return TimeSpan.FromMilliseconds(Math.Max(0, delay.TotalMilliseconds * (1 + (Math.Min(policy.Jitter, 1) * fraction))));
    }

    private async Task<T> Convert<T>(Task<string?> serialized) => Deserialize<T>(_resolve(await serialized))!;

    internal static string? Serialize(object? value) => value is null ? null : JsonSerializer.Serialize(value, value.GetType(), DocumentJson.Options);

    private static T? Deserialize<T>(string? serialized) => serialized is null ? default : JsonSerializer.Deserialize<T>(serialized, DocumentJson.Options);

    private sealed record Pending(string Name, TaskCompletionSource<string?> Completion);

    private sealed record EventWaiter(TaskCompletionSource<string?> Completion);

    private sealed class ReplaySafeLogger(ReplayContext context, ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => !context.IsReplaying && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!context.IsReplaying)
                inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
