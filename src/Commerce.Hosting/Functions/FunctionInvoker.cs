using System.Diagnostics;
using System.Text.Json;
using Commerce.Hosting.Timers;
using Commerce.Storage.Documents;
using Commerce.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Commerce.Hosting.Functions;

public enum QueueOutcome
{
    Succeeded,
    /// <summary>The message is not valid JSON for the function; retrying cannot help.</summary>
    InvalidMessage,
    Failed,
}

public sealed record QueueInvocationResult(QueueOutcome Outcome, string? Reason = null, Exception? Exception = null);

/// <summary>Runs timer and queue functions the same way whether the local runtime or the Functions host triggered them.</summary>
public sealed class FunctionInvoker(IServiceScopeFactory scopes, ILoggerFactory loggers)
{
    public static readonly ActivitySource Activities = new("Commerce.Functions");

    public async Task InvokeTimerAsync(TimerFunction function, TimerInfo timer, CancellationToken cancellationToken)
    {
        var invocationId = Guid.NewGuid().ToString();
        var logger = loggers.CreateLogger($"Function.{function.Name}");
        using var activity = Activities.StartActivity($"timer {function.Name}", ActivityKind.Internal);
        activity?.SetTag("faas.trigger", "timer");
        activity?.SetTag("faas.invocation_id", invocationId);
        await using var scope = scopes.CreateAsyncScope();
        var context = new FunctionContext(function.Name, invocationId, scope.ServiceProvider, logger, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        logger.LogInformation("Executing timer function {Function} (id {InvocationId}, past due: {IsPastDue})", function.Name, invocationId, timer.IsPastDue);
        try
        {
            await function.Handler(timer, context).ConfigureAwait(false);
            logger.LogInformation("Executed timer function {Function} (id {InvocationId}) in {Elapsed} ms", function.Name, invocationId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            logger.LogError(e, "Timer function {Function} (id {InvocationId}) failed", function.Name, invocationId);
            throw;
        }
    }

    public async Task<QueueInvocationResult> InvokeQueueAsync(QueueFunction function, QueueMessage message, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger($"Function.{function.Name}");
        object? payload;
        try
        {
            payload = JsonSerializer.Deserialize(message.Body, function.MessageType, DocumentJson.Options);
        }
        catch (JsonException e)
        {
            return new QueueInvocationResult(QueueOutcome.InvalidMessage, $"the message is not valid JSON for {function.MessageType.Name}: {e.Message}");
        }
        if (payload is null)
            return new QueueInvocationResult(QueueOutcome.InvalidMessage, $"the message is the JSON literal null, not a {function.MessageType.Name}");

        var invocationId = Guid.NewGuid().ToString();
        using var activity = Activities.StartActivity($"queue {function.QueueName} process", ActivityKind.Consumer);
        activity?.SetTag("faas.trigger", "pubsub");
        activity?.SetTag("messaging.destination.name", function.QueueName);
        activity?.SetTag("messaging.message.id", message.MessageId);
        await using var scope = scopes.CreateAsyncScope();
        var context = new FunctionContext(function.Name, invocationId, scope.ServiceProvider, logger, cancellationToken)
        {
            Queue = new QueueTriggerInfo(function.QueueName, message.MessageId, message.DequeueCount, message.InsertedOn),
        };
        try
        {
            await function.Handler(payload, context).ConfigureAwait(false);
            return new QueueInvocationResult(QueueOutcome.Succeeded);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            logger.LogWarning(e, "Queue function {Function} failed on message {MessageId} (attempt {DequeueCount})", function.Name, message.MessageId, message.DequeueCount);
            return new QueueInvocationResult(QueueOutcome.Failed, e.Message, e);
        }
    }
}
