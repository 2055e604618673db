using Commerce.Hosting.Timers;
using Microsoft.AspNetCore.Builder;

namespace Commerce.Hosting.Functions;

/// <summary>Azure Functions' HTTP authorization levels; enforced by the Functions host, recorded in function.json.</summary>
public enum AuthLevel
{
    Anonymous,
    Function,
    Admin,
}

/// <summary>One function of the app: its name, its trigger and its handler.</summary>
public abstract record FunctionDefinition(string Name);

public sealed record HttpFunction(string Name, string Route, IReadOnlyList<string> Methods, AuthLevel AuthLevel, Delegate Handler) : FunctionDefinition(Name)
{
    /// <summary>Endpoint conventions (OpenAPI descriptions, size limits, authorization) applied when the route is mapped.</summary>
    public Action<RouteHandlerBuilder>? Configure { get; init; }
}

public sealed record TimerFunction(string Name, TimerSchedule Schedule, Func<TimerInfo, FunctionContext, Task> Handler) : FunctionDefinition(Name)
{
    /// <summary>Also fire once when the app starts (as Azure's runOnStartup; meant for development).</summary>
    public bool RunOnStartup { get; init; }

    /// <summary>Record the schedule status so that an occurrence missed while the app was down fires as past due.</summary>
    public bool UseMonitor { get; init; } = true;
}

public sealed record QueueFunction(string Name, string QueueName, Type MessageType, Func<object, FunctionContext, Task> Handler) : FunctionDefinition(Name)
{
    public string Connection { get; init; } = "AzureWebJobsStorage";

    /// <summary>Overrides Queues:BatchSize for this function in the local runtime (the Functions host applies host.json to all).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Overrides Queues:NewBatchThreshold for this function in the local runtime.</summary>
    public int? NewBatchThreshold { get; init; }

    public string PoisonQueueName => QueueName + "-poison";
}
