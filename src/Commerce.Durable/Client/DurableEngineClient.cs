using System.Diagnostics;
using Commerce.Durable.Engine;
using Commerce.Durable.Storage;
using Commerce.Storage.Documents;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Core = DurableTask.Core;

namespace Commerce.Durable;

/// <summary>The SDK's client on this engine: starts, inspects, signals, suspends, stops, queries and removes instances.</summary>
public sealed class DurableEngineClient(DurableStore store, InstanceNotifications notifications, TimeProvider time) : DurableTaskClient("commerce")
{
    /// <summary>How payloads are written and read: the document store's JSON conventions.</summary>
    public static readonly DataConverter Converter = new JsonDataConverter(DocumentJson.Options);

    /// <summary>How far back an instance query without CreatedFrom looks.</summary>
    public static readonly TimeSpan DefaultQueryWindow = TimeSpan.FromDays(30);

    /// <summary>
    /// Schedules a new instance and returns its id. Scheduling an id that is still pending re-sends its
    /// start (so a caller may safely retry); an id that is running is a conflict; a finished id starts over,
    /// unless its status is one of the options' <see cref="StartOrchestrationOptions.DedupeStatuses"/>.
    /// </summary>
    /// <exception cref="OrchestrationAlreadyExistsException">the instance is running, or finished with a dedupe status.</exception>
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var dedupe = options?.DedupeStatuses?.Select(s => Enum.Parse<OrchestrationRuntimeStatus>(s, ignoreCase: true)).ToHashSet();
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        DocumentRules.ValidateKey(instanceId, instanceId);
        var serialized = await store.SpillAsync(instanceId, ReplayContext.Serialize(input), cancellationToken).ConfigureAwait(false);
        var state = await DocumentConflicts.RetryAsync(DurableStore.InstancesContainer, instanceId, instanceId, async () =>
        {
            var existing = await store.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
            if (existing is { State: var current } && (current.Status is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended || dedupe?.Contains(current.Status) == true))
                throw AlreadyExists(instanceId, current.Status);
            if (existing is { State: { Status: OrchestrationRuntimeStatus.Pending } pending })
            {
                return string.Equals(pending.Name, orchestratorName.Name, StringComparison.OrdinalIgnoreCase)
                    ? pending
                    : throw AlreadyExists(instanceId, pending.Status);
            }
            var now = time.GetUtcNow();
            // A finished instance's last step may not have sent everything yet (its parent's notice, say):
            // send it before the record that holds it is replaced.
            foreach (var entry in existing?.State.Outbox ?? [])
                await store.PublishAsync(entry, now, cancellationToken).ConfigureAwait(false);
            var started = new InstanceState
            {
                InstanceId = instanceId,
                Name = orchestratorName.Name,
                ExecutionId = Guid.NewGuid().ToString("N"),
                Status = OrchestrationRuntimeStatus.Pending,
                IndexedStatus = OrchestrationRuntimeStatus.Pending,
                Input = serialized,
                CreatedAt = now,
                TraceParent = Activity.Current is { IdFormat: ActivityIdFormat.W3C } span ? span.Id : null,
                LastUpdatedAt = now,
            };
            await store.SaveAsync(started, existing?.ETag, cancellationToken).ConfigureAwait(false);
            if (existing is { } finished && DurableStore.IndexPartition(finished.State.CreatedAt) != DurableStore.IndexPartition(started.CreatedAt))
                await store.DeleteIndexAsync(finished.State, cancellationToken).ConfigureAwait(false);
            return started;
        }, cancellationToken).ConfigureAwait(false);
        await store.UpsertIndexAsync(state, cancellationToken).ConfigureAwait(false);
        var delay = options?.StartAt is { } startAt ? startAt - time.GetUtcNow() : (TimeSpan?)null;
        await store.SendAsync(DurableStore.ControlQueue,
            new WorkMessage($"{state.ExecutionId}:start", instanceId, state.ExecutionId, Event: new ExecutionStarted(state.Name, state.Input, null) { Timestamp = state.CreatedAt.UtcDateTime }),
            delay, cancellationToken).ConfigureAwait(false);
        return instanceId;
    }

    private static OrchestrationAlreadyExistsException AlreadyExists(string instanceId, OrchestrationRuntimeStatus status) =>
        new($"An orchestration with id '{instanceId}' already exists. It's in the {status} state.");

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default)
    {
        var loaded = await store.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return loaded is null ? null : await MetadataAsync(loaded.Value.State, getInputsAndOutputs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The engine's own record of the instance's history, oldest first; null when there is no such instance.</summary>
    public async Task<IReadOnlyList<HistoryEvent>?> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default) =>
        (await store.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false))?.State.History;

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        var messageId = Guid.NewGuid().ToString("N");
        return store.SendAsync(DurableStore.ControlQueue,
            new WorkMessage(messageId, instanceId, null, Event: new EventRaised(messageId, eventName, ReplayContext.Serialize(eventPayload)) { Timestamp = time.GetUtcNow().UtcDateTime }),
            cancellationToken: cancellationToken);
    }

    /// <summary>Stops the instance where it is; its output becomes the options' output (the reason an operator gives).</summary>
    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellationToken = default) =>
        SendControlAsync(instanceId, new ExecutionTerminated(ReplayContext.Serialize(options?.Output)), cancellationToken);

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendControlAsync(instanceId, new ExecutionSuspended(reason), cancellationToken);

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        SendControlAsync(instanceId, new ExecutionResumed(reason), cancellationToken);

    private Task SendControlAsync(string instanceId, HistoryEvent control, CancellationToken cancellationToken) =>
        store.SendAsync(DurableStore.ControlQueue,
            new WorkMessage(Guid.NewGuid().ToString("N"), instanceId, null, Event: control with { Timestamp = time.GetUtcNow().UtcDateTime }),
            cancellationToken: cancellationToken);

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) =>
        WaitForAsync(instanceId, getInputsAndOutputs, m => m.RuntimeStatus != OrchestrationRuntimeStatus.Pending, cancellationToken);

    /// <summary>Waits until the instance is completed, failed or terminated.</summary>
    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default) =>
        WaitForAsync(instanceId, getInputsAndOutputs, m => m.IsCompleted, cancellationToken);

    private async Task<OrchestrationMetadata> WaitForAsync(string instanceId, bool getInputsAndOutputs, Func<OrchestrationMetadata, bool> reached, CancellationToken cancellationToken)
    {
        var poll = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var finished = notifications.WhenCompletedAsync(instanceId);
            var metadata = await GetInstanceAsync(instanceId, getInputsAndOutputs, cancellationToken).ConfigureAwait(false);
            if (metadata is not null && reached(metadata))
            {
                notifications.Forget(instanceId);
                return metadata;
            }
            await Task.WhenAny(finished, Task.Delay(poll, time, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            poll = TimeSpan.FromMilliseconds(Math.Min(poll.TotalMilliseconds * 2, 1000));
        }
    }

    /// <summary>Removes a finished instance with its history and payloads; a pending or running one is left alone.</summary>
    public override async Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellationToken = default)
    {
        var loaded = await store.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (loaded is not { } found || !found.State.Status.IsTerminal())
            return new PurgeResult(0);
        await store.DeletePayloadsAsync(instanceId, cancellationToken).ConfigureAwait(false);
        await store.DeleteIndexAsync(found.State, cancellationToken).ConfigureAwait(false);
        try
        {
            return new PurgeResult(await store.DeleteInstanceAsync(instanceId, found.ETag, cancellationToken).ConfigureAwait(false) ? 1 : 0);
        }
        catch (DocumentPreconditionFailedException)
        {
            return new PurgeResult(0);
        }
    }

    /// <summary>Removes every finished instance the filter selects (created in its window, in one of its statuses).</summary>
    public override async Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellationToken = default)
    {
        var purged = 0;
        var query = new OrchestrationQuery(filter.CreatedFrom, filter.CreatedTo, filter.Statuses, PageSize: DocumentQuery.MaxPageSize);
        await foreach (var instance in GetAllInstancesAsync(query).WithCancellation(cancellationToken).ConfigureAwait(false))
            purged += (await PurgeInstanceAsync(instance.InstanceId, options, cancellationToken).ConfigureAwait(false)).PurgedInstanceCount;
        return new PurgeResult(purged);
    }

    /// <summary>
    /// Instances by status, id prefix and creation time (the last <see cref="DefaultQueryWindow"/> unless the query
    /// says), newest day first, a page at a time.
    /// </summary>
    /// <exception cref="ArgumentException">a continuation token that is not one of an instance query.</exception>
    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null)
    {
        var query = filter ?? new OrchestrationQuery();
        return Pageable.Create(async (continuationToken, pageSize, cancellationToken) =>
        {
            var size = pageSize ?? query.PageSize;
            ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(size, DocumentQuery.MaxPageSize);
            var to = query.CreatedTo ?? time.GetUtcNow();
            var from = query.CreatedFrom ?? to - DefaultQueryWindow;
            var statuses = query.Statuses?.ToHashSet();
            bool Wanted(string instanceId, OrchestrationRuntimeStatus status) =>
                (statuses is null || statuses.Contains(status)) && (query.InstanceIdPrefix is null || instanceId.StartsWith(query.InstanceIdPrefix, StringComparison.Ordinal));
            var inRange = DocumentQuery.All
                .Where("createdAt", FilterOperator.GreaterThanOrEqual, from)
                .Where("createdAt", FilterOperator.LessThanOrEqual, to) with { OrderBy = "createdAt", Descending = true };
            var page = await store.QueryIndexAsync(from, to, inRange, size, continuationToken ?? query.ContinuationToken,
                document => document.Deserialize<IndexEntry>() is var entry && Wanted(entry.InstanceId, entry.Status), cancellationToken).ConfigureAwait(false);
            var results = new List<OrchestrationMetadata>(page.Items.Count);
            foreach (var entry in page.Items.Select(i => i.Deserialize<IndexEntry>()))
            {
                // The index follows the instance after each commit; the instance itself is the truth.
                if (await GetInstanceAsync(entry.InstanceId, query.FetchInputsAndOutputs, cancellationToken).ConfigureAwait(false) is { } metadata
                    && Wanted(metadata.InstanceId, metadata.RuntimeStatus))
                    results.Add(metadata);
            }
            return new Page<OrchestrationMetadata>(results, page.ContinuationToken);
        });
    }

    /// <summary>The history in DurableTask.Core's terms, as Microsoft's backends return it.</summary>
    public override async Task<IList<Core.History.HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default)
    {
        var history = await GetHistoryAsync(instanceId, cancellation).ConfigureAwait(false)
            ?? throw new ArgumentException($"An orchestration with the instanceId {instanceId} was not found.", nameof(instanceId));
        var events = new List<Core.History.HistoryEvent>(history.Count);
        foreach (var e in history)
        {
            Core.History.HistoryEvent? mapped = e switch
            {
                ExecutionStarted s => new Core.History.ExecutionStartedEvent(-1, await store.LoadPayloadAsync(s.Input, cancellation).ConfigureAwait(false)) { Name = s.Name },
                OrchestratorStarted => new Core.History.OrchestratorStartedEvent(-1),
                TaskScheduled t => new Core.History.TaskScheduledEvent(t.EventId, t.Name, input: await store.LoadPayloadAsync(t.Input, cancellation).ConfigureAwait(false)),
                TaskCompleted c => new Core.History.TaskCompletedEvent(-1, c.TaskScheduledId, (await store.LoadPayloadAsync(c.Result, cancellation).ConfigureAwait(false))!),
                TaskFailed f => new Core.History.TaskFailedEvent(-1, f.TaskScheduledId, null, null, ToCore(f.Failure)),
                TimerCreated t => new Core.History.TimerCreatedEvent(t.EventId, t.FireAt),
                TimerFired t => new Core.History.TimerFiredEvent(-1, t.FireAt) { TimerId = t.TaskScheduledId },
                EventRaised r => new Core.History.EventRaisedEvent(-1, (await store.LoadPayloadAsync(r.Input, cancellation).ConfigureAwait(false))!) { Name = r.Name },
                EventSent s => new Core.History.EventSentEvent(s.EventId) { InstanceId = s.InstanceId, Name = s.Name, Input = s.Input! },
                SubOrchestrationCreated c => new Core.History.SubOrchestrationInstanceCreatedEvent(c.EventId) { Name = c.Name, InstanceId = c.InstanceId, Input = c.Input! },
                SubOrchestrationCompleted c => new Core.History.SubOrchestrationInstanceCompletedEvent(-1, c.TaskScheduledId, c.Result!),
                SubOrchestrationFailed f => new Core.History.SubOrchestrationInstanceFailedEvent(-1, f.TaskScheduledId, null, null, ToCore(f.Failure)),
                ExecutionTerminated t => new Core.History.ExecutionTerminatedEvent(-1, t.Output!),
                ExecutionSuspended s => new Core.History.ExecutionSuspendedEvent(-1, s.Reason!),
                ExecutionResumed r => new Core.History.ExecutionResumedEvent(-1, r.Reason!),
                _ => null,
            };
            if (mapped is null)
                continue;
            mapped.Timestamp = e.Timestamp;
            events.Add(mapped);
        }
        return events;
    }

    private static Core.FailureDetails ToCore(TaskFailureDetails details) =>
        new(details.ErrorType, details.ErrorMessage, details.StackTrace, details.InnerFailure is { } inner ? ToCore(inner) : null, isNonRetriable: false);

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<OrchestrationMetadata> MetadataAsync(InstanceState state, bool withPayloads, CancellationToken cancellationToken) => new(state.Name, state.InstanceId)
    {
        DataConverter = Converter,
        RuntimeStatus = state.Status,
        CreatedAt = state.CreatedAt,
        LastUpdatedAt = state.LastUpdatedAt,
        SerializedInput = withPayloads ? await store.LoadPayloadAsync(state.Input, cancellationToken).ConfigureAwait(false) : null,
        SerializedOutput = withPayloads ? await store.LoadPayloadAsync(state.Output, cancellationToken).ConfigureAwait(false) : null,
        SerializedCustomStatus = state.CustomStatus,
        FailureDetails = state.Failure,
    };
}
