using System.Collections.Concurrent;
using Commerce.Durable.Storage;
using Commerce.Storage.Documents;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace Commerce.Durable.Engine;

/// <summary>
/// Advances orchestration instances from control-queue messages. Messages for one instance that arrive
/// while a step for it is running are applied together in the next step. Each step loads the instance,
/// replays it, and commits history, status and outbox in one ETag-guarded write; a conflict (another
/// worker advanced the instance) reloads and retries here rather than failing the message. The outbox
/// is sent after the commit and before the triggering messages are acknowledged, so a crash at any
/// point leaves a message that redoes the missing part; duplicates are recognised from the history.
/// </summary>
public sealed class OrchestrationWorker(
    DurableStore store,
    DurableTasks tasks,
    IServiceProvider services,
    InstanceNotifications notifications,
    TimeProvider time,
    ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger<OrchestrationWorker>();
    private readonly ConcurrentDictionary<string, InstanceInbox> _inboxes = new(StringComparer.Ordinal);

    /// <summary>
    /// Instances whose last committed outbox this process has sent, by the ETag of that commit: their next
    /// step here clears the outbox in its own commit instead of a write of its own. Another process, or
    /// this one after a restart, does not know and sends the outbox again, which is harmless.
    /// </summary>
    private readonly ConcurrentDictionary<string, string> _sent = new(StringComparer.Ordinal);

    /// <summary>Completes when the step that includes <paramref name="message"/> is committed and its outbox sent.</summary>
    public Task HandleAsync(WorkMessage message, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = false;
        InstanceInbox inbox;
        while (true)
        {
            inbox = _inboxes.GetOrAdd(message.InstanceId, _ => new InstanceInbox());
            lock (inbox)
            {
                if (inbox.Retired)
                    continue;
                inbox.Waiting.Add((message, done));
                if (!inbox.Draining)
                    start = inbox.Draining = true;
            }
            break;
        }
        if (start)
            _ = Task.Run(() => DrainAsync(message.InstanceId, inbox));
        return done.Task;
    }

    private async Task DrainAsync(string instanceId, InstanceInbox inbox)
    {
        while (true)
        {
            List<(WorkMessage Message, TaskCompletionSource Done)> batch;
            lock (inbox)
            {
                batch = inbox.Waiting;
                inbox.Waiting = [];
                if (batch.Count == 0)
                {
                    inbox.Draining = false;
                    inbox.Retired = true;
                    _inboxes.TryRemove(new KeyValuePair<string, InstanceInbox>(instanceId, inbox));
                    return;
                }
            }
            try
            {
                await StepAsync(instanceId, batch.Select(b => b.Message).ToList()).ConfigureAwait(false);
                foreach (var (_, done) in batch)
                    done.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var (_, done) in batch)
                    done.TrySetException(e);
            }
        }
    }

    private async Task StepAsync(string instanceId, IReadOnlyList<WorkMessage> arrived)
    {
        var messages = InQueueOrder(arrived);
        while (true)
        {
            var loaded = await store.LoadAsync(instanceId).ConfigureAwait(false);
            var state = loaded?.State ?? NewInstance(instanceId, messages);
            if (state is null)
            {
                _logger.LogWarning("Dropping {Count} message(s) for orchestration {InstanceId}, which does not exist", messages.Count, instanceId);
                return;
            }
            var etag = loaded?.ETag;
            var changed = etag is null;

            if (state.Outbox.Count > 0 || state.Status != state.IndexedStatus)
            {
                if (etag is not null && _sent.TryGetValue(instanceId, out var sentAt) && sentAt == etag)
                {
                    state.Outbox.Clear();
                    state.IndexedStatus = state.Status;
                }
                else
                {
                    // A previous step committed but may not have finished sending; doing it again is harmless.
                    await PublishAsync(state).ConfigureAwait(false);
                }
                changed = true;
            }

            if (state.Status.IsTerminal() && messages.FirstOrDefault(m => m.Event is ExecutionStarted { Parent: not null } && m.ExecutionId != state.ExecutionId) is { } restart)
            {
                // A parent starts this finished sub-orchestration id again (its id is reused after the parent's
                // ContinueAsNew, or by a retry): a new execution, as a client's restart would make one.
                state = NewInstance(instanceId, [restart])!;
                changed = true;
            }

            var applicable = await ApplicableEventsAsync(state, messages).ConfigureAwait(false);
            if (applicable.Count > 0 && !state.Status.IsTerminal())
            {
                await AdvanceAsync(state, applicable).ConfigureAwait(false);
                changed = true;
            }
            if (!changed)
                return;

            state.LastUpdatedAt = time.GetUtcNow();
            try
            {
                etag = await store.SaveAsync(state, etag).ConfigureAwait(false);
            }
            catch (Exception e) when (e is DocumentPreconditionFailedException or DocumentConflictException)
            {
                continue;
            }

            await FinishStepAsync(state, etag).ConfigureAwait(false);
            return;
        }
    }

    /// <summary>
    /// The messages of one step in the order their queue delivered them, as DurableTask.Core applies a batch: a new
    /// start first, then by the time each became visible. Handlers of one queue batch run concurrently, so the order
    /// in which they hand their messages over says nothing; a cancel raised before an activity finished must be seen
    /// by the orchestration before that activity's result.
    /// </summary>
    internal static IReadOnlyList<WorkMessage> InQueueOrder(IReadOnlyList<WorkMessage> messages) =>
        messages.Count < 2 ? messages : [.. messages.OrderBy(m => m.Event is ExecutionStarted ? 0 : 1).ThenBy(m => m.QueuedAt ?? DateTimeOffset.MinValue)];

    /// <summary>
    /// Sends what the committed step produced and brings the index up to date. A finished instance records
    /// that at once; a running one leaves it to its next step (see <see cref="_sent"/>).
    /// </summary>
    private async Task FinishStepAsync(InstanceState state, string etag)
    {
        if (state.Outbox.Count == 0 && state.Status == state.IndexedStatus)
            return;
        await PublishAsync(state).ConfigureAwait(false);
        if (!state.Status.IsTerminal())
        {
            _sent[state.InstanceId] = etag;
            return;
        }
        _sent.TryRemove(state.InstanceId, out _);
        try
        {
            await store.SaveAsync(state, etag).ConfigureAwait(false);
        }
        catch (DocumentPreconditionFailedException)
        {
            // Someone has already moved on from this version; they publish again, which is harmless.
        }
    }

    private async Task PublishAsync(InstanceState state)
    {
        foreach (var entry in state.Outbox)
            await store.PublishAsync(entry, time.GetUtcNow()).ConfigureAwait(false);
        state.Outbox.Clear();
        if (state.Status != state.IndexedStatus)
        {
            await store.UpsertIndexAsync(state).ConfigureAwait(false);
            state.IndexedStatus = state.Status;
        }
        if (state.Status.IsTerminal())
            notifications.Completed(state.InstanceId);
    }

    private static InstanceState? NewInstance(string instanceId, IReadOnlyList<WorkMessage> messages)
    {
        var start = messages.FirstOrDefault(m => m.Event is ExecutionStarted);
        if (start?.Event is not ExecutionStarted started)
            return null;
        return new InstanceState
        {
            InstanceId = instanceId,
            Name = started.Name,
            ExecutionId = start.ExecutionId ?? start.Id,
            Status = OrchestrationRuntimeStatus.Pending,
            Input = started.Input,
            Parent = started.Parent,
            CreatedAt = started.Timestamp == default ? DateTimeOffset.UtcNow : new DateTimeOffset(started.Timestamp, TimeSpan.Zero),
        };
    }

    /// <summary>The messages that are new to this execution, as history events, in arrival order.</summary>
    private async Task<List<HistoryEvent>> ApplicableEventsAsync(InstanceState state, IReadOnlyList<WorkMessage> messages)
    {
        var seenCompletions = state.History.OfType<CompletionEvent>().Select(c => c.TaskScheduledId).ToHashSet();
        var actions = state.History.OfType<ActionEvent>().Select(a => a.EventId).ToHashSet();
        var seenEvents = state.History.OfType<EventRaised>().Select(e => e.MessageId).Concat(state.EarlierEventIds).ToHashSet(StringComparer.Ordinal);
        var started = state.History.Any(e => e is ExecutionStarted);
        var terminated = false;
        var applicable = new List<HistoryEvent>();
        foreach (var message in messages)
        {
            if (message.ExecutionId is not null && message.ExecutionId != state.ExecutionId)
                continue;
            HistoryEvent? next = message.Event switch
            {
                ExecutionStarted when started => null,
                ExecutionStarted s => s with { Input = await store.SpillAsync(state.InstanceId, s.Input).ConfigureAwait(false) },
                CompletionEvent c when !actions.Contains(c.TaskScheduledId) || !seenCompletions.Add(c.TaskScheduledId) => null,
                TaskCompleted c => c with { Result = await store.SpillAsync(state.InstanceId, c.Result).ConfigureAwait(false) },
                SubOrchestrationCompleted c => c with { Result = await store.SpillAsync(state.InstanceId, c.Result).ConfigureAwait(false) },
                CompletionEvent c => c,
                EventRaised e when !seenEvents.Add(e.MessageId) => null,
                EventRaised e => e with { Input = await store.SpillAsync(state.InstanceId, e.Input).ConfigureAwait(false) },
                ExecutionTerminated t when !terminated => t,
                ExecutionSuspended or ExecutionResumed => message.Event,
                _ => null,
            };
            if (next is null)
                continue;
            started |= next is ExecutionStarted;
            terminated |= next is ExecutionTerminated;
            applicable.Add(next);
        }
        return applicable;
    }

    private async Task AdvanceAsync(InstanceState state, List<HistoryEvent> arrived)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var applicable = Suspension(state, arrived, now);
        if (applicable.Count == 0)
            return;
        if (applicable.OfType<ExecutionTerminated>().FirstOrDefault() is { } terminate)
        {
            state.History.Add(terminate with { Timestamp = now });
            state.Status = OrchestrationRuntimeStatus.Terminated;
            state.Output = terminate.Output;
            NotifyParent(state, new SubOrchestrationFailed(state.Parent?.TaskScheduledId ?? 0,
                DurableTasks.Failure("Terminated", $"Orchestration '{state.InstanceId}' was terminated: {terminate.Output}")));
            return;
        }

        var stepEvents = new List<HistoryEvent> { new OrchestratorStarted { Timestamp = now } };
        stepEvents.AddRange(applicable.Select(e => e.Timestamp == default ? e with { Timestamp = now } : e));
        var orchestrator = tasks.CreateOrchestrator(state.Name, services);
        if (orchestrator is null)
        {
            state.History.AddRange(stepEvents);
            Finish(state, new StepOutcome.Failed(DurableTasks.Failure("OrchestratorNotFound", $"No orchestrator named '{state.Name}' is registered.")));
            return;
        }

        var payloads = await LoadPayloadsAsync(state.History.Concat(stepEvents)).ConfigureAwait(false);
        var result = OrchestrationExecutor.Run(orchestrator, state.Name, state.InstanceId, state.Parent, state.History, stepEvents,
            payload => payload is not null && payloads.TryGetValue(payload, out var loaded) ? loaded : payload, loggers);

        state.History.AddRange(stepEvents);
        if (state.Status == OrchestrationRuntimeStatus.Pending)
            state.Status = OrchestrationRuntimeStatus.Running;
        foreach (var action in result.NewActions)
        {
            var stored = await SpillAsync(state.InstanceId, action).ConfigureAwait(false);
            state.History.Add(stored with { Timestamp = now });
            state.Outbox.Add(ToMessage(state, stored, now));
        }
        if (result.CustomStatusSet)
            state.CustomStatus = result.CustomStatus;
        Finish(state, result.Outcome);
        // The instance keeps large outputs and next inputs in blobs, as it does its history; a parent gets the
        // output itself and keeps it under its own name.
        if (result.Outcome is StepOutcome.Completed)
            state.Output = await store.SpillAsync(state.InstanceId, state.Output).ConfigureAwait(false);
        if (result.Outcome is StepOutcome.ContinuedAsNew)
            state.Input = await store.SpillAsync(state.InstanceId, state.Input).ConfigureAwait(false);
    }

    /// <summary>
    /// Suspension as DurableTask.Core has it: what arrives while an instance is suspended waits, in order, until it is
    /// resumed (a terminate does not wait). Returns the events to run now.
    /// </summary>
    private static List<HistoryEvent> Suspension(InstanceState state, List<HistoryEvent> arrived, DateTime now)
    {
        var run = new List<HistoryEvent>();
        foreach (var e in arrived)
        {
            switch (e)
            {
                case ExecutionSuspended when state.Status == OrchestrationRuntimeStatus.Running:
                    state.History.Add(e with { Timestamp = now });
                    state.Status = OrchestrationRuntimeStatus.Suspended;
                    break;
                case ExecutionResumed when state.Status == OrchestrationRuntimeStatus.Suspended:
                    state.History.Add(e with { Timestamp = now });
                    state.Status = OrchestrationRuntimeStatus.Running;
                    run.AddRange(state.Held);
                    state.Held.Clear();
                    break;
                case ExecutionSuspended or ExecutionResumed:
                    break;
                case ExecutionTerminated:
                    run.Add(e);
                    break;
                default:
                    (state.Status == OrchestrationRuntimeStatus.Suspended ? state.Held : run).Add(e);
                    break;
            }
        }
        return run;
    }

    private void Finish(InstanceState state, StepOutcome outcome)
    {
        switch (outcome)
        {
            case StepOutcome.Completed completed:
                state.Status = OrchestrationRuntimeStatus.Completed;
                state.Output = completed.Output;
                NotifyParent(state, new SubOrchestrationCompleted(state.Parent?.TaskScheduledId ?? 0, completed.Output));
                break;
            case StepOutcome.Failed failed:
                state.Status = OrchestrationRuntimeStatus.Failed;
                state.Failure = failed.Failure;
                _logger.LogWarning("Orchestration {Name} ({InstanceId}) failed: {Failure}", state.Name, state.InstanceId, failed.Failure);
                NotifyParent(state, new SubOrchestrationFailed(state.Parent?.TaskScheduledId ?? 0, failed.Failure));
                break;
            case StepOutcome.ContinuedAsNew next:
                state.EarlierEventIds = [.. state.EarlierEventIds.Concat(state.History.OfType<EventRaised>().Select(e => e.MessageId)).TakeLast(InstanceState.MaxEarlierEventIds)];
                state.ExecutionId = Guid.NewGuid().ToString("N");
                state.Input = next.Input;
                state.Output = null;
                state.History = [.. next.CarriedEvents];
                state.Outbox.Add(new OutboxMessage(DurableStore.ControlQueue, new WorkMessage($"{state.ExecutionId}:start", state.InstanceId, state.ExecutionId,
                    Event: new ExecutionStarted(state.Name, next.Input, state.Parent))));
                break;
        }
    }

    private void NotifyParent(InstanceState state, CompletionEvent completion)
    {
        if (state.Parent is { } parent)
            state.Outbox.Add(new OutboxMessage(DurableStore.ControlQueue, new WorkMessage($"{state.ExecutionId}:done", parent.InstanceId, parent.ExecutionId, Event: completion)));
    }

    private static OutboxMessage ToMessage(InstanceState state, ActionEvent action, DateTime now) => action switch
    {
        TaskScheduled task => new OutboxMessage(DurableStore.WorkQueue,
            new WorkMessage($"{state.ExecutionId}:task:{task.EventId}", state.InstanceId, state.ExecutionId, Activity: new ActivityWork(task.EventId, task.Name, task.Input, state.TraceParent))),
        TimerCreated timer => new OutboxMessage(DurableStore.ControlQueue,
            new WorkMessage($"{state.ExecutionId}:timer:{timer.EventId}", state.InstanceId, state.ExecutionId, Event: new TimerFired(timer.EventId, timer.FireAt))),
        SubOrchestrationCreated sub => new OutboxMessage(DurableStore.ControlQueue,
            new WorkMessage($"{state.ExecutionId}.{sub.EventId}:start", sub.InstanceId, $"{state.ExecutionId}.{sub.EventId}",
                Event: new ExecutionStarted(sub.Name, sub.Input, new ParentInstance(state.InstanceId, state.ExecutionId, sub.EventId, state.Name)) { Timestamp = now })),
        EventSent sent => new OutboxMessage(DurableStore.ControlQueue,
            new WorkMessage($"{state.ExecutionId}:event:{sent.EventId}", sent.InstanceId, null, Event: new EventRaised($"{state.ExecutionId}:event:{sent.EventId}", sent.Name, sent.Input))),
        _ => throw new NotSupportedException(action.GetType().Name),
    };

    private async Task<ActionEvent> SpillAsync(string instanceId, ActionEvent action) => action switch
    {
        TaskScheduled task => task with { Input = await store.SpillAsync(instanceId, task.Input).ConfigureAwait(false) },
        SubOrchestrationCreated sub => sub with { Input = await store.SpillAsync(instanceId, sub.Input).ConfigureAwait(false) },
        EventSent sent => sent with { Input = await store.SpillAsync(instanceId, sent.Input).ConfigureAwait(false) },
        _ => action,
    };

    private async Task<Dictionary<string, string?>> LoadPayloadsAsync(IEnumerable<HistoryEvent> history)
    {
        var payloads = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var payload in history.Select(PayloadOf).Where(DurableStore.IsSpilled))
        {
            if (!payloads.ContainsKey(payload!))
                payloads[payload!] = await store.LoadPayloadAsync(payload).ConfigureAwait(false);
        }
        return payloads;
    }

    private static string? PayloadOf(HistoryEvent e) => e switch
    {
        ExecutionStarted s => s.Input,
        TaskCompleted c => c.Result,
        SubOrchestrationCompleted c => c.Result,
        EventRaised r => r.Input,
        _ => null,
    };

    private sealed class InstanceInbox
    {
        public List<(WorkMessage Message, TaskCompletionSource Done)> Waiting { get; set; } = [];
        public bool Draining { get; set; }
        public bool Retired { get; set; }
    }
}
