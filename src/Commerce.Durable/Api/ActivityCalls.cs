using System.Reflection;
using Microsoft.DurableTask;

namespace Commerce.Durable;

/// <summary>Calls activities by their class, so that the name and the input and output types come from the class itself.</summary>
public static class ActivityCalls
{
    /// <summary>Schedules <typeparamref name="TActivity"/> under the name the registry gives it (its [DurableTask] name, else its class name).</summary>
    public static Task<TOutput> CallActivityAsync<TActivity, TInput, TOutput>(this TaskOrchestrationContext context, TInput input, TaskOptions? options = null)
        where TActivity : TaskActivity<TInput, TOutput> =>
        context.CallActivityAsync<TOutput>(NameOf<TActivity>(), input, options);

    public static TaskName NameOf<TTask>() => TaskNames<TTask>.Name;

    private static class TaskNames<TTask>
    {
        public static readonly TaskName Name = typeof(TTask).GetCustomAttribute<DurableTaskAttribute>()?.Name ?? typeof(TTask).Name;
    }
}
