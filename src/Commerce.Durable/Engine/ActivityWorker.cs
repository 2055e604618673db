using System.Diagnostics;
using Commerce.Durable.Storage;
using Commerce.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Commerce.Durable.Engine;

/// <summary>
/// Runs activities from the work queue and reports each result to its orchestration. An activity runs
/// at least once: when the process dies between running it and acknowledging its message, it runs again
/// and the orchestration ignores the second result. Activities must therefore be idempotent.
/// </summary>
public sealed class ActivityWorker(DurableStore store, DurableTasks tasks, IServiceScopeFactory scopes, TimeProvider time, ILogger<ActivityWorker> logger)
{
    public async Task HandleAsync(WorkMessage message, CancellationToken cancellationToken = default)
    {
        if (message.Activity is not { } work)
        {
            logger.LogWarning("Ignoring work message {MessageId} without an activity", message.Id);
            return;
        }
        using var trace = CommerceTelemetry.Source.StartActivity($"activity {work.Name}", ActivityKind.Internal,
            ActivityContext.TryParse(work.TraceParent, null, out var parent) ? parent : default);
        trace?.SetTag("durable.instance_id", message.InstanceId);
        CompletionEvent result;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var activity = tasks.CreateActivity(work.Name, scope.ServiceProvider);
            if (activity is null)
            {
                result = new TaskFailed(work.TaskId, DurableTasks.Failure("ActivityNotFound", $"No activity named '{work.Name}' is registered."));
            }
            else
            {
                try
                {
                    var input = await store.LoadPayloadAsync(work.Input, cancellationToken).ConfigureAwait(false);
                    var output = await activity.RunAsync(new Context(work.Name, message.InstanceId), ReplayContext.Deserialize(input, activity.InputType)).ConfigureAwait(false);
                    result = new TaskCompleted(work.TaskId, ReplayContext.Serialize(output));
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e)
                {
                    trace?.SetStatus(ActivityStatusCode.Error, e.Message);
                    logger.LogWarning(e, "Activity {Activity} of orchestration {InstanceId} failed", work.Name, message.InstanceId);
                    result = new TaskFailed(work.TaskId, DurableTasks.Failure(e));
                }
            }
        }
        await store.SendAsync(DurableStore.ControlQueue, new WorkMessage($"{message.Id}:result", message.InstanceId, message.ExecutionId, Event: result with { Timestamp = time.GetUtcNow().UtcDateTime }),
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private sealed class Context(TaskName name, string instanceId) : TaskActivityContext
    {
        public override TaskName Name { get; } = name;
        public override string InstanceId { get; } = instanceId;
    }
}
