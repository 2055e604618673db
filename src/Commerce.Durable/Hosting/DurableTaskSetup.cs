using Commerce.Durable.Engine;
using Commerce.Durable.Storage;
using Commerce.Hosting;
using Commerce.Hosting.Settings;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Durable.Hosting;

public static class DurableTaskSetup
{
    public const string OrchestrationFunction = "DurableOrchestrations";
    public const string ActivityFunction = "DurableActivities";

    /// <summary>
    /// Adds the durable engine on the app's stores, and the two queue functions that drive it: the local
    /// runtime polls them with the configured concurrency, the Azure Functions host invokes them one
    /// message at a time; both go through the same workers.
    /// </summary>
    public static FunctionAppBuilder AddDurableTask(this FunctionAppBuilder builder, Action<DurableTaskRegistry> register)
    {
        var registry = new DurableTaskRegistry();
        register(registry);
        var configuration = builder.Configuration;
        var controlBatch = configuration.GetInt("Durable:ControlQueue:BatchSize", 32, 1, 32);
        var workBatch = configuration.GetInt("Durable:WorkQueue:BatchSize", 32, 1, 32);

        builder.DocumentContainers.Add(DurableStore.InstancesContainer, DurableStore.IndexContainer);
        var services = builder.Services;
        services.AddSingleton(new DurableTasks(registry));
        services.AddSingleton<DurableStore>();
        services.AddSingleton<InstanceNotifications>();
        services.AddSingleton<OrchestrationWorker>();
        services.AddSingleton<ActivityWorker>();
        services.AddSingleton<DurableEngineClient>();
        services.AddSingleton<DurableTaskClient>(s => s.GetRequiredService<DurableEngineClient>());

        builder.Functions.AddQueue<WorkMessage>(OrchestrationFunction, DurableStore.ControlQueue,
            (message, context) => context.Services.GetRequiredService<OrchestrationWorker>().HandleAsync(message, context.CancellationToken),
            controlBatch, configuration.GetInt("Durable:ControlQueue:NewBatchThreshold", controlBatch, 0, 1000));
        builder.Functions.AddQueue<WorkMessage>(ActivityFunction, DurableStore.WorkQueue,
            (message, context) => context.Services.GetRequiredService<ActivityWorker>().HandleAsync(message, context.CancellationToken),
            workBatch, configuration.GetInt("Durable:WorkQueue:NewBatchThreshold", workBatch, 0, 1000));
        return builder;
    }
}
