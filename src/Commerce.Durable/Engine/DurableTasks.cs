using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;

namespace Commerce.Durable.Engine;

/// <summary>The orchestrators and activities of a registry, found by name without regard to case, as the SDK's worker finds them.</summary>
public sealed class DurableTasks
{
    private readonly Dictionary<string, Func<IServiceProvider, ITaskOrchestrator>> _orchestrators = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Func<IServiceProvider, ITaskActivity>> _activities = new(StringComparer.OrdinalIgnoreCase);

    public DurableTasks(DurableTaskRegistry registry)
    {
        foreach (var (name, factory) in registry.GetOrchestrators())
            _orchestrators[name.Name] = factory;
        foreach (var (name, factory) in registry.GetActivities())
            _activities[name.Name] = factory;
    }

    public ITaskOrchestrator? CreateOrchestrator(string name, IServiceProvider services) =>
        _orchestrators.TryGetValue(name, out var factory) ? factory(services) : null;

    public ITaskActivity? CreateActivity(string name, IServiceProvider services) =>
        _activities.TryGetValue(name, out var factory) ? factory(services) : null;

    public static TaskFailureDetails Failure(string errorType, string errorMessage) => new(errorType, errorMessage, null, null, null);

    /// <summary>
    /// The failure an exception stands for. The SDK reads a DurableTask.Core exception's own failure details and reports
    /// "(unknown)" when it has none (a non-determinism error, say); DurableTask.Core names the exception's type then.
    /// </summary>
    public static TaskFailureDetails Failure(Exception exception) => exception is OrchestrationException { FailureDetails: null }
        ? new(exception.GetType().FullName!, exception.Message, exception.StackTrace, exception.InnerException is { } inner ? Failure(inner) : null, null)
        : TaskFailureDetails.FromException(exception);
}
