using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Commerce.Durable.Engine;

internal abstract record StepOutcome
{
    public sealed record StillRunning : StepOutcome;
    public sealed record Completed(string? Output) : StepOutcome;
    public sealed record Failed(TaskFailureDetails Failure) : StepOutcome;
    public sealed record ContinuedAsNew(string? Input, IReadOnlyList<EventRaised> CarriedEvents) : StepOutcome;
}

internal sealed record StepResult(StepOutcome Outcome, IReadOnlyList<ActionEvent> NewActions, string? CustomStatus, bool CustomStatusSet);

/// <summary>
/// Replays an orchestration through its past history and then the new events of this step, and reports
/// what it did next: the new actions to take and whether it finished. Pure: no I/O happens here.
/// </summary>
internal static class OrchestrationExecutor
{
    public static StepResult Run(
        ITaskOrchestrator orchestrator,
        string name,
        string instanceId,
        ParentInstance? parent,
        IReadOnlyList<HistoryEvent> past,
        IReadOnlyList<HistoryEvent> newEvents,
        Func<string?, string?> resolve,
        ILoggerFactory loggers)
    {
        var scheduler = new StepScheduler();
        var started = past.Concat(newEvents).OfType<ExecutionStarted>().FirstOrDefault();
        var context = new ReplayContext(name, instanceId, parent, started?.Input, past, resolve, loggers);
        Task<object?>? run = null;

        for (var i = 0; i < past.Count + newEvents.Count; i++)
        {
            var current = i < past.Count ? past[i] : newEvents[i - past.Count];
            context.Replaying = i < past.Count;
            switch (current)
            {
                case OrchestratorStarted step:
                    context.Now = step.Timestamp;
                    break;
                case ExecutionStarted when run is null:
                    if (context.Now == default)
                        context.Now = current.Timestamp;
                    run = scheduler.Start(() => orchestrator.RunAsync(context, ReplayContext.Deserialize(resolve(started?.Input), orchestrator.InputType)));
                    break;
                case CompletionEvent completion:
                    context.Complete(completion);
                    break;
                case EventRaised raised:
                    context.Deliver(raised);
                    break;
            }
            scheduler.Pump();
            if (context.Nondeterminism is not null)
                break;
        }
        context.Replaying = false;

        StepOutcome outcome = (context.Nondeterminism, run) switch
        {
            ({ } nondeterminism, _) => new StepOutcome.Failed(DurableTasks.Failure(nondeterminism)),
            (_, null) => new StepOutcome.StillRunning(),
            (_, { IsCompletedSuccessfully: true }) when context.ContinueAsNewRequest is { } next =>
                new StepOutcome.ContinuedAsNew(next.Input, next.PreserveEvents ? context.UnconsumedEvents.ToList() : []),
            (_, { IsCompletedSuccessfully: true }) => new StepOutcome.Completed(ReplayContext.Serialize(run.Result)),
            (_, { IsFaulted: true }) => new StepOutcome.Failed(DurableTasks.Failure(run.Exception!.InnerException ?? run.Exception)),
            (_, { IsCanceled: true }) => new StepOutcome.Failed(DurableTasks.Failure(typeof(TaskCanceledException).FullName!, "The orchestration was cancelled.")),
            _ => new StepOutcome.StillRunning(),
        };
        return new StepResult(outcome, context.Nondeterminism is null ? context.NewActions : [], context.CustomStatus, context.CustomStatusSet);
    }
}
