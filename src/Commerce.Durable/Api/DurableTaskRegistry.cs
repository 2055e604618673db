using System.Text.Json;
using Commerce.Storage.Documents;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Durable;

/// <summary>Orchestrators and activities by name, as classes or as functions.</summary>
public sealed class DurableTaskRegistry
{
    internal delegate Task<object?> OrchestratorRunner(TaskOrchestrationContext context, string? serializedInput);

    internal delegate Task<object?> ActivityRunner(TaskActivityContext context, string? serializedInput);

    private readonly Dictionary<TaskName, OrchestratorRunner> _orchestrators = [];
    private readonly Dictionary<TaskName, ActivityRunner> _activities = [];

    public DurableTaskRegistry AddOrchestrator<TOrchestrator, TInput, TOutput>(TaskName? name = null)
        where TOrchestrator : TaskOrchestrator<TInput, TOutput>, new() =>
        AddOrchestratorFunc<TInput, TOutput>(name ?? typeof(TOrchestrator).Name, (context, input) => new TOrchestrator().RunAsync(context, input));

    public DurableTaskRegistry AddOrchestratorFunc<TInput, TOutput>(TaskName name, Func<TaskOrchestrationContext, TInput, Task<TOutput>> orchestrator)
    {
        Add(_orchestrators, name, async (context, input) => await orchestrator(context, Deserialize<TInput>(input)));
        return this;
    }

    public DurableTaskRegistry AddOrchestratorFunc<TOutput>(TaskName name, Func<TaskOrchestrationContext, Task<TOutput>> orchestrator)
    {
        Add(_orchestrators, name, async (context, _) => await orchestrator(context));
        return this;
    }

    public DurableTaskRegistry AddActivity<TActivity, TInput, TOutput>(TaskName? name = null)
        where TActivity : TaskActivity<TInput, TOutput>
    {
        Add(_activities, name ?? typeof(TActivity).Name, async (context, input) =>
        {
            var activity = ActivatorUtilities.GetServiceOrCreateInstance<TActivity>(context.Services);
            return await activity.RunAsync(context, Deserialize<TInput>(input));
        });
        return this;
    }

    public DurableTaskRegistry AddActivityFunc<TInput, TOutput>(TaskName name, Func<TaskActivityContext, TInput, Task<TOutput>> activity)
    {
        Add(_activities, name, async (context, input) => await activity(context, Deserialize<TInput>(input)));
        return this;
    }

    public DurableTaskRegistry AddActivityFunc<TInput>(TaskName name, Func<TaskActivityContext, TInput, Task> activity)
    {
        Add(_activities, name, async (context, input) =>
        {
            await activity(context, Deserialize<TInput>(input));
            return null;
        });
        return this;
    }

    internal OrchestratorRunner? FindOrchestrator(TaskName name) => _orchestrators.GetValueOrDefault(name);

    internal ActivityRunner? FindActivity(TaskName name) => _activities.GetValueOrDefault(name);

    internal static T Deserialize<T>(string? serialized) =>
        serialized is null ? default! : JsonSerializer.Deserialize<T>(serialized, DocumentJson.Options)!;

    private static void Add<T>(Dictionary<TaskName, T> map, TaskName name, T runner)
    {
        if (string.IsNullOrWhiteSpace(name.Name))
            throw new ArgumentException("A task needs a name.", nameof(name));
        if (!map.TryAdd(name, runner))
            throw new ArgumentException($"'{name}' is already registered.", nameof(name));
    }
}
