using System.Text.Json.Serialization;
using Microsoft.DurableTask;

namespace Commerce.Durable.Engine;

/// <summary>
/// One entry of an instance's append-only history. Entries that record actions the orchestration took
/// (TaskScheduled, TimerCreated, SubOrchestrationCreated, EventSent) carry the action's id; entries that
/// record what happened to it carry that id back (TaskScheduledId / TimerId).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ExecutionStarted), "executionStarted")]
[JsonDerivedType(typeof(OrchestratorStarted), "orchestratorStarted")]
[JsonDerivedType(typeof(TaskScheduled), "taskScheduled")]
[JsonDerivedType(typeof(TaskCompleted), "taskCompleted")]
[JsonDerivedType(typeof(TaskFailed), "taskFailed")]
[JsonDerivedType(typeof(TimerCreated), "timerCreated")]
[JsonDerivedType(typeof(TimerFired), "timerFired")]
[JsonDerivedType(typeof(EventRaised), "eventRaised")]
[JsonDerivedType(typeof(EventSent), "eventSent")]
[JsonDerivedType(typeof(SubOrchestrationCreated), "subOrchestrationCreated")]
[JsonDerivedType(typeof(SubOrchestrationCompleted), "subOrchestrationCompleted")]
[JsonDerivedType(typeof(SubOrchestrationFailed), "subOrchestrationFailed")]
[JsonDerivedType(typeof(ExecutionTerminated), "executionTerminated")]
[JsonDerivedType(typeof(ExecutionSuspended), "executionSuspended")]
[JsonDerivedType(typeof(ExecutionResumed), "executionResumed")]
public abstract record HistoryEvent
{
    public DateTime Timestamp { get; init; }
}

/// <summary>Starts an execution; as a message it creates the instance if it does not exist yet.</summary>
public sealed record ExecutionStarted(string Name, string? Input, ParentInstance? Parent) : HistoryEvent;

public sealed record ParentInstance(string InstanceId, string ExecutionId, int TaskScheduledId, string? Name = null);

/// <summary>Marks the start of a step; its timestamp is the orchestration's current time during that step.</summary>
public sealed record OrchestratorStarted : HistoryEvent;

/// <summary>An action the orchestration took, identified by its sequence number within the execution.</summary>
public abstract record ActionEvent(int EventId) : HistoryEvent
{
    public abstract string Describe();
}

public sealed record TaskScheduled(int EventId, string Name, string? Input) : ActionEvent(EventId)
{
    public override string Describe() => $"activity '{Name}'";
}

public sealed record TimerCreated(int EventId, DateTime FireAt) : ActionEvent(EventId)
{
    public override string Describe() => $"a timer for {FireAt:O}";
}

public sealed record SubOrchestrationCreated(int EventId, string Name, string InstanceId, string? Input) : ActionEvent(EventId)
{
    public override string Describe() => $"sub-orchestration '{Name}' ({InstanceId})";
}

public sealed record EventSent(int EventId, string InstanceId, string Name, string? Input) : ActionEvent(EventId)
{
    public override string Describe() => $"event '{Name}' to {InstanceId}";
}

/// <summary>A message that reports on an earlier action.</summary>
public abstract record CompletionEvent(int TaskScheduledId) : HistoryEvent;

public sealed record TaskCompleted(int TaskScheduledId, string? Result) : CompletionEvent(TaskScheduledId);

public sealed record TaskFailed(int TaskScheduledId, TaskFailureDetails Failure) : CompletionEvent(TaskScheduledId);

public sealed record TimerFired(int TaskScheduledId, DateTime FireAt) : CompletionEvent(TaskScheduledId);

public sealed record SubOrchestrationCompleted(int TaskScheduledId, string? Result) : CompletionEvent(TaskScheduledId);

public sealed record SubOrchestrationFailed(int TaskScheduledId, TaskFailureDetails Failure) : CompletionEvent(TaskScheduledId);

/// <summary>An event raised to the instance; <paramref name="MessageId"/> recognises a second delivery.</summary>
public sealed record EventRaised(string MessageId, string Name, string? Input) : HistoryEvent;

/// <param name="Output">the instance's output from now on, as JSON.</param>
public sealed record ExecutionTerminated(string? Output) : HistoryEvent;

/// <summary>Holds every later event back, unprocessed, until <see cref="ExecutionResumed"/>.</summary>
public sealed record ExecutionSuspended(string? Reason) : HistoryEvent;

public sealed record ExecutionResumed(string? Reason) : HistoryEvent;
