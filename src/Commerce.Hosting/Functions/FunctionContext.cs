using Microsoft.Extensions.Logging;

namespace Commerce.Hosting.Functions;

/// <summary>What a timer or queue function gets besides its trigger payload.</summary>
public sealed class FunctionContext(string functionName, string invocationId, IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
{
    public string FunctionName { get; } = functionName;
    public string InvocationId { get; } = invocationId;
    public IServiceProvider Services { get; } = services;
    public ILogger Logger { get; } = logger;

    /// <summary>Signalled when the app is shutting down and the grace period for in-flight work has run out.</summary>
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Set for queue functions.</summary>
    public QueueTriggerInfo? Queue { get; init; }
}

public sealed record QueueTriggerInfo(string QueueName, string MessageId, int DequeueCount, DateTimeOffset InsertedOn);
