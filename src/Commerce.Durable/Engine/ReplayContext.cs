using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Commerce.Storage.Documents;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using CoreFailureDetails = DurableTask.Core.FailureDetails;
using CoreTaskFailedException = DurableTask.Core.Exceptions.TaskFailedException;
using TaskFailedException = Microsoft.DurableTask.TaskFailedException;

namespace Commerce.Durable.Engine;

/// <summary>The orchestration context during one step: actions are matched against history by sequence number.</summary>
internal sealed class ReplayContext : TaskOrchestrationContext
{
    public const int MaxCustomStatusBytes = 16 * 1024;

    private static readonly Guid GuidNamespace = new("7a9a3b5e-4f2c-4c55-9b7e-2f8f0a6c1d11");

    private readonly string _name;
    private readonly string _instanceId;
    private readonly ParentOrchestrationInstance? _parent;
    private readonly string? _input;
    private readonly Func<string?, string?> _resolve;
    private readonly ILoggerFactory _loggers;
    private readonly Dictionary<int, ActionEvent> _recorded;
    private readonly Dictionary<int, Pending> _pending = [];
    private readonly Dictionary<string, Queue<EventRaised>> _buffered = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, LinkedList<EventWaiter>> _waiters = new(StringComparer.OrdinalIgnoreCase);
    private int _nextEventId;
    private int _guidCounter;

    public ReplayContext(string name, string instanceId, ParentInstance? parent, string? input, IEnumerable<HistoryEvent> past, Func<string?, string?> resolve, ILoggerFactory loggers)
    {
        _name = name;
        _instanceId = instanceId;
        _parent = parent is null ? null : new ParentOrchestrationInstance(parent.Name ?? "", parent.InstanceId);
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
    public override ParentOrchestrationInstance? Parent => _parent;
    public override DateTime CurrentUtcDateTime => Now;
    public override bool IsReplaying => Replaying;
    protected override ILoggerFactory LoggerFactory => _loggers;

    public override T GetInput<T>() => Deserialize<T>(_resolve(_input))!;

    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        if (input is TaskOptions && options is null)
            throw new ArgumentException($"A {nameof(TaskOptions)} value was given as the activity's input; pass it as the options instead.", nameof(input));
        var serialized = Serialize(input);
        return WithRetries(options?.Retry, () => Schedule<TResult>(new TaskScheduled(_nextEventId++, name.Name, serialized)));
    }

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null)
    {
        // As the SDK does: the child's id is chosen once, before any attempt, so retries reuse it.
        var child = (options as SubOrchestrationOptions)?.InstanceId ?? NewGuid().ToString("N");
        var serialized = Serialize(input);
        return WithRetries(options?.Retry, () => Schedule<TResult>(new SubOrchestrationCreated(_nextEventId++, orchestratorName.Name, child, serialized)));
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
                Nondeterminism ??= new NonDeterministicOrchestrationException(action.EventId,
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

    private Task<T> WithRetries<T>(TaskRetryOptions? retry, Func<Task<T>> attempt) => retry switch
    {
        { Policy: { } policy } => RetryAsync(policy, attempt),
        { Handler: { } handler } => RetryAsync(handler, attempt),
        _ => attempt(),
    };

    /// <summary>
    /// A retry policy as DurableTask.Core's RetryInterceptor applies it: the n-th retry waits
    /// firstRetryInterval * backoffCoefficient^(n-1), capped by maxRetryInterval; a failure is retried while the
    /// policy's handler accepts it and the failure came before firstAttempt + retryTimeout.
    /// </summary>
    private async Task<T> RetryAsync<T>(RetryPolicy policy, Func<Task<T>> attempt)
    {
        var firstAttemptAt = Now;
        for (var retryCount = 0; ; retryCount++)
        {
            try
            {
                return await attempt();
            }
            catch (TaskFailedException failure) when (retryCount + 1 < policy.MaxNumberOfAttempts && Accepts(policy, failure))
            {
                if (policy.RetryTimeout != Timeout.InfiniteTimeSpan && Now >= firstAttemptAt + policy.RetryTimeout)
                    throw;
                var delay = policy.FirstRetryInterval.TotalMilliseconds * Math.Pow(policy.BackoffCoefficient, retryCount);
                await CreateTimer(Now + TimeSpan.FromMilliseconds(Math.Min(delay, policy.MaxRetryInterval.TotalMilliseconds)), CancellationToken.None);
            }
        }
    }

    /// <summary>A custom retry handler, as the SDK runs one: it decides (and waits, with timers of its own) after each failure.</summary>
    private async Task<T> RetryAsync<T>(AsyncRetryHandler handler, Func<Task<T>> attempt)
    {
        var startedAt = Now;
        for (var failures = 1; ; failures++)
        {
            try
            {
                return await attempt();
            }
            catch (TaskFailedException failure)
            {
                if (!await handler(new RetryContext(this, failures, failure.FailureDetails, Now - startedAt, CancellationToken.None)))
                    throw;
            }
        }
    }

    /// <summary>The policy's handler is written for DurableTask.Core's exception (HandleFailure unwraps it), so it is given one.</summary>
    private static bool Accepts(RetryPolicy policy, TaskFailedException failure) =>
        policy.Handle(new CoreTaskFailedException(failure.TaskId, failure.TaskId, failure.TaskName, null, failure.FailureDetails.ErrorMessage, null)
        {
            FailureDetails = ToCore(failure.FailureDetails),
        });

    private static CoreFailureDetails ToCore(TaskFailureDetails details) =>
        new(details.ErrorType, details.ErrorMessage, details.StackTrace, details.InnerFailure is { } inner ? ToCore(inner) : null, isNonRetriable: false);

    private async Task<T> Convert<T>(Task<string?> serialized) => Deserialize<T>(_resolve(await serialized))!;

    internal static string? Serialize(object? value) => value is null ? null : JsonSerializer.Serialize(value, value.GetType(), DocumentJson.Options);

    private static T? Deserialize<T>(string? serialized) => serialized is null ? default : JsonSerializer.Deserialize<T>(serialized, DocumentJson.Options);

    internal static object? Deserialize(string? serialized, Type type) => serialized is null ? null : JsonSerializer.Deserialize(serialized, type, DocumentJson.Options);

    private sealed record Pending(string Name, TaskCompletionSource<string?> Completion);

    private sealed record EventWaiter(TaskCompletionSource<string?> Completion);
}
