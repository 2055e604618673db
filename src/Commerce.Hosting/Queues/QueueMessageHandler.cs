using Commerce.Hosting.Functions;
using Commerce.Storage.Queues;
using Microsoft.Extensions.Logging;

namespace Commerce.Hosting.Queues;

/// <summary>
/// What happens to a queue message once its function has run, shared by the local runtime and the
/// custom handler endpoint: invalid messages go straight to the poison queue, failures retry until
/// the dequeue limit and then go to the poison queue, successes are removed.
/// </summary>
public sealed class QueueMessageHandler(FunctionInvoker invoker, IQueueStore queues, QueueTriggerOptions options, ILogger<QueueMessageHandler> logger)
{
    /// <summary>Invokes the function; then, only if the message is invalid, parks it in the poison queue with the reason logged.</summary>
    public async Task<QueueInvocationResult> InvokeAsync(QueueFunction function, QueueMessage message, CancellationToken cancellationToken)
    {
        var result = await invoker.InvokeQueueAsync(function, message, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == QueueOutcome.InvalidMessage)
            await MoveToPoisonAsync(function, message, result.Reason!, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// A message delivered more often than the dequeue limit was never settled: its invocations ended with the
    /// process (a crash, a kill, a hang past its lease). It goes to the poison queue without running again.
    /// </summary>
    /// <returns>true when the message was parked.</returns>
    public async Task<bool> ParkIfExhaustedAsync(QueueFunction function, IMessageQueue queue, QueueMessage message)
    {
        if (message.DequeueCount <= options.MaxDequeueCount)
            return false;
        await MoveToPoisonAsync(function, message, $"it was delivered {message.DequeueCount} times and no invocation of it finished", CancellationToken.None).ConfigureAwait(false);
        await CompleteAsync(queue, message).ConfigureAwait(false);
        return true;
    }

    /// <summary>The local runtime's settlement of an invoked message (with its latest pop receipt).</summary>
    public async Task SettleAsync(QueueFunction function, IMessageQueue queue, QueueMessage message, QueueInvocationResult result, CancellationToken cancellationToken)
    {
        switch (result.Outcome)
        {
            case QueueOutcome.Succeeded:
            case QueueOutcome.InvalidMessage:
                await CompleteAsync(queue, message).ConfigureAwait(false);
                break;
            case QueueOutcome.Failed when result.Exception is OperationCanceledException && cancellationToken.IsCancellationRequested:
                await ReleaseAsync(queue, message, TimeSpan.Zero).ConfigureAwait(false);
                break;
            case QueueOutcome.Failed when message.DequeueCount >= options.MaxDequeueCount:
                await MoveToPoisonAsync(function, message, $"it failed {message.DequeueCount} times; last error: {result.Reason}", CancellationToken.None).ConfigureAwait(false);
                await CompleteAsync(queue, message).ConfigureAwait(false);
                break;
            default:
                await ReleaseAsync(queue, message, options.VisibilityTimeout).ConfigureAwait(false);
                break;
        }
    }

    public async Task ReleaseAsync(IMessageQueue queue, QueueMessage message, TimeSpan delay)
    {
        try
        {
            await queue.UpdateVisibilityAsync(message, delay, CancellationToken.None).ConfigureAwait(false);
        }
        catch (QueueMessageNotFoundException)
        {
            // Its lease ran out and another consumer has it now; nothing to give back.
        }
    }

    private async Task CompleteAsync(IMessageQueue queue, QueueMessage message)
    {
        try
        {
            await queue.DeleteAsync(message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (QueueMessageNotFoundException)
        {
            logger.LogWarning("Message {MessageId} in {Queue} was processed after its lease ran out; another consumer may process it again", message.MessageId, queue.Name);
        }
    }

    private async Task MoveToPoisonAsync(QueueFunction function, QueueMessage message, string reason, CancellationToken cancellationToken)
    {
        var poison = await queues.GetQueueAsync(function.PoisonQueueName, cancellationToken).ConfigureAwait(false);
        await poison.EnqueueAsync(message.Body, cancellationToken: CancellationToken.None).ConfigureAwait(false);
        logger.LogError("Message {MessageId} moved from {Queue} to {PoisonQueue} because {Reason}", message.MessageId, function.QueueName, function.PoisonQueueName, reason);
    }
}
