using Commerce.Durable.Engine;
using Commerce.Durable.Storage;
using Commerce.Storage.Documents;

namespace Commerce.Durable;

/// <summary>Starts, inspects, signals, stops and removes orchestration instances.</summary>
public sealed class DurableTaskClient(DurableStore store, InstanceNotifications notifications, TimeProvider time)
{
    /// <summary>How far back an instance query without CreatedFrom looks.</summary>
    public static readonly TimeSpan DefaultQueryWindow = TimeSpan.FromDays(30);

    /// <summary>
    /// Schedules a new instance and returns its id. Scheduling an id that is still pending re-sends its
    /// start (so a caller may safely retry); an id that is running is a conflict; a finished id starts over,
    /// unless its status is one of the options' <see cref="StartOrchestrationOptions.DedupeStatuses"/>.
    /// </summary>
    /// <exception cref="OrchestrationAlreadyExistsException">the instance is running, or finished with a dedupe status.</exception>
    public async Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        DocumentRules.ValidateKey(instanceId, instanceId);
        var serialized = await store.SpillAsync(instanceId, ReplayContext.Serialize(input), cancellationToken).ConfigureAwait(false);
        var state = await DocumentConflicts.RetryAsync(DurableStore.InstancesContainer, instanceId, instanceId, async () =>
        {
            var existing = await store.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
            if (existing is { State: var current } && (current.Status == OrchestrationRuntimeStatus.Running || options?.DedupeStatuses?.Contains(current.Status) == true))
                throw new OrchestrationAlreadyExistsException(instanceId, current.Status);
            if (existing is { State: { Status: OrchestrationRuntimeStatus.Pending } pending })
            {
                return string.Equals(pending.Name, orchestratorName.Name, StringComparison.OrdinalIgnoreCase)
                    ? pending
                    : throw new OrchestrationAlreadyExistsException(instanceId, pending.Status);
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

    public async Task<OrchestrationMetadata?> GetInstanceAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default)
    {
        var loaded = await store.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false);
        return loaded is null ? null : await MetadataAsync(loaded.Value.State, getInputsAndOutputs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The instance's history, oldest first; null when there is no such instance.</summary>
    public async Task<IReadOnlyList<HistoryEvent>?> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default) =>
        (await store.LoadAsync(instanceId, cancellationToken).ConfigureAwait(false))?.State.History;

    public Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        var messageId = Guid.NewGuid().ToString("N");
        return store.SendAsync(DurableStore.ControlQueue,
            new WorkMessage(messageId, instanceId, null, Event: new EventRaised(messageId, eventName, ReplayContext.Serialize(eventPayload)) { Timestamp = time.GetUtcNow().UtcDateTime }),
            cancellationToken: cancellationToken);
    }

    public Task TerminateInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        store.SendAsync(DurableStore.ControlQueue,
            new WorkMessage(Guid.NewGuid().ToString("N"), instanceId, null, Event: new ExecutionTerminated(reason) { Timestamp = time.GetUtcNow().UtcDateTime }),
            cancellationToken: cancellationToken);

    /// <summary>Waits until the instance is completed, failed or terminated.</summary>
    public async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellationToken = default)
    {
        var poll = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var finished = notifications.WhenCompletedAsync(instanceId);
            var metadata = await GetInstanceAsync(instanceId, getInputsAndOutputs, cancellationToken).ConfigureAwait(false);
            if (metadata is { IsCompleted: true })
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
    public async Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
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

    /// <summary>Instances by status and creation time, newest day first; pass the continuation token back for more.</summary>
    /// <exception cref="ArgumentException">the continuation token is not one of an instance query.</exception>
    public async Task<OrchestrationQueryPage> GetInstancesAsync(OrchestrationQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.PageSize, DocumentQuery.MaxPageSize);
        var to = query.CreatedTo ?? time.GetUtcNow();
        var from = query.CreatedFrom ?? to - DefaultQueryWindow;
        var statuses = query.Statuses?.ToHashSet();
        var inRange = DocumentQuery.All
            .Where("createdAt", FilterOperator.GreaterThanOrEqual, from)
            .Where("createdAt", FilterOperator.LessThanOrEqual, to) with { OrderBy = "createdAt", Descending = true };
        var page = await store.QueryIndexAsync(from, to, inRange, query.PageSize, query.ContinuationToken,
            document => statuses is null || statuses.Contains(document.Deserialize<IndexEntry>().Status), cancellationToken).ConfigureAwait(false);
        var results = new List<OrchestrationMetadata>(page.Items.Count);
        foreach (var entry in page.Items.Select(i => i.Deserialize<IndexEntry>()))
        {
            // The index follows the instance after each commit; the instance itself is the truth.
            if (await GetInstanceAsync(entry.InstanceId, cancellationToken: cancellationToken).ConfigureAwait(false) is { } metadata
                && (statuses is null || statuses.Contains(metadata.RuntimeStatus)))
                results.Add(metadata);
        }
        return new OrchestrationQueryPage(results, page.ContinuationToken);
    }

    private async Task<OrchestrationMetadata> MetadataAsync(InstanceState state, bool withPayloads, CancellationToken cancellationToken) => new(
        state.Name,
        state.InstanceId,
        state.Status,
        state.CreatedAt,
        state.LastUpdatedAt,
        withPayloads ? await store.LoadPayloadAsync(state.Input, cancellationToken).ConfigureAwait(false) : null,
        withPayloads ? await store.LoadPayloadAsync(state.Output, cancellationToken).ConfigureAwait(false) : null,
        state.CustomStatus,
        state.Failure);
}
