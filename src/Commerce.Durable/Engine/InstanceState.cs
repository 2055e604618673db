using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Commerce.Durable.Engine;

/// <summary>
/// The stored state of one orchestration instance: its history and status, and the outbox of messages
/// its last step produced. Everything a step changes is committed in one conditional write of this
/// document; the outbox is sent after that commit and cleared by the next write.
/// </summary>
public sealed class InstanceState
{
    public required string InstanceId { get; init; }
    public required string Name { get; set; }
    public required string ExecutionId { get; set; }
    public OrchestrationRuntimeStatus Status { get; set; }
    public string? Input { get; set; }
    public string? Output { get; set; }
    public string? CustomStatus { get; set; }
    public TaskFailureDetails? Failure { get; set; }
    public ParentInstance? Parent { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset LastUpdatedAt { get; set; }

    /// <summary>The W3C traceparent of the span that started the instance (the checkout request): its activities' spans join that trace.</summary>
    public string? TraceParent { get; set; }
    public List<HistoryEvent> History { get; set; } = [];
    public List<OutboxMessage> Outbox { get; set; } = [];

    /// <summary>Events that arrived while the instance was suspended, applied in order when it resumes.</summary>
    public List<HistoryEvent> Held { get; set; } = [];

    /// <summary>
    /// Ids of events that earlier executions (before ContinueAsNew) consumed, newest last, so that a late copy
    /// of one is not applied to the next execution; the most recent <see cref="MaxEarlierEventIds"/> are kept.
    /// </summary>
    public List<string> EarlierEventIds { get; set; } = [];

    public const int MaxEarlierEventIds = 1000;

    /// <summary>The status the instance index last recorded; it catches up after the commit that changes <see cref="Status"/>.</summary>
    public OrchestrationRuntimeStatus IndexedStatus { get; set; }
}

/// <summary>A message to send once the step that produced it is committed.</summary>
/// <param name="Queue">the control queue (orchestrations) or the work queue (activities).</param>
public sealed record OutboxMessage(string Queue, WorkMessage Message);

/// <summary>What travels on the durable queues.</summary>
/// <param name="Id">recognises a second delivery of the same message.</param>
/// <param name="ExecutionId">the execution the message belongs to; messages for an older execution are ignored. Null for starts and client messages.</param>
/// <param name="Event">for the control queue: the history event to apply.</param>
/// <param name="Activity">for the work queue: the activity to run.</param>
/// <param name="QueuedAt">when the message became visible on its queue (sent, or due): a step applies its messages in this order.</param>
public sealed record WorkMessage(string Id, string InstanceId, string? ExecutionId, HistoryEvent? Event = null, ActivityWork? Activity = null, DateTimeOffset? QueuedAt = null);

/// <param name="TraceParent">the trace the activity's span belongs to (<see cref="InstanceState.TraceParent"/>).</param>
public sealed record ActivityWork(int TaskId, string Name, string? Input, string? TraceParent = null);
