using Commerce.Hosting.Functions;
using Commerce.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commerce.Hosting.Queues;

/// <summary>
/// The local runtime for queue functions: polls each function's queue, runs up to BatchSize +
/// NewBatchThreshold messages at once, keeps their leases alive, and on shutdown lets in-flight
/// invocations finish before giving unfinished messages back to the queue.
/// </summary>
public sealed class QueueTriggerService(FunctionCatalog catalog, IQueueStore queues, QueueMessageHandler handler, QueueTriggerOptions options, ILogger<QueueTriggerService> logger) : IHostedService
{
    private readonly CancellationTokenSource _stopPolling = new();
    private readonly CancellationTokenSource _abortInvocations = new();
    private readonly List<Task> _listeners = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var function in catalog.Queues())
            _listeners.Add(Task.Run(() => ListenAsync(function)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopPolling.CancelAsync().ConfigureAwait(false);
        // The host cancels this token when its shutdown timeout runs out; only then are invocations told to stop.
        await using (cancellationToken.Register(() => _abortInvocations.Cancel()))
            await Task.WhenAll(_listeners).ConfigureAwait(false);
    }

    private async Task ListenAsync(QueueFunction function)
    {
        IMessageQueue queue;
        try
        {
            queue = await queues.GetQueueAsync(function.QueueName, _stopPolling.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var batchSize = function.BatchSize ?? options.BatchSize;
        var newBatchThreshold = function.NewBatchThreshold ?? options.NewBatchThreshold;
        var inFlight = new HashSet<Task>();
        var completed = new SemaphoreSlim(0);
        var idleWait = TimeSpan.FromMilliseconds(50);
        logger.LogInformation("Listening to queue {Queue} for function {Function}", function.QueueName, function.Name);
        while (!_stopPolling.IsCancellationRequested)
        {
            try
            {
                lock (inFlight)
                    inFlight.RemoveWhere(t => t.IsCompleted);
                int running;
                lock (inFlight)
                    running = inFlight.Count;
                if (running > newBatchThreshold)
                {
                    await completed.WaitAsync(_stopPolling.Token).ConfigureAwait(false);
                    continue;
                }
                var batch = await queue.DequeueAsync(batchSize, options.MessageLease, _stopPolling.Token).ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    await queue.WaitForMessagesAsync(idleWait, _stopPolling.Token).ConfigureAwait(false);
                    idleWait = TimeSpan.FromTicks(Math.Min(idleWait.Ticks * 2, options.MaxPollingInterval.Ticks));
                    continue;
                }
                idleWait = TimeSpan.FromMilliseconds(50);
                foreach (var message in batch)
                {
                    var task = RunAsync(function, queue, message, completed);
                    lock (inFlight)
                        inFlight.Add(task);
                }
            }
            catch (OperationCanceledException) when (_stopPolling.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Polling queue {Queue} failed; retrying in {Delay}", function.QueueName, options.MaxPollingInterval);
                try
                {
                    await Task.Delay(options.MaxPollingInterval, _stopPolling.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        Task[] remaining;
        lock (inFlight)
            remaining = [.. inFlight];
        await Task.WhenAll(remaining).ConfigureAwait(false);
    }

    private async Task RunAsync(QueueFunction function, IMessageQueue queue, QueueMessage message, SemaphoreSlim completed)
    {
        await Task.Yield();
        var lease = new MessageLease(queue, message);
        using var renewal = new CancellationTokenSource();
        var renewing = KeepLeaseAsync(lease, renewal.Token);
        try
        {
            var result = await handler.InvokeAsync(function, message, _abortInvocations.Token).ConfigureAwait(false);
            await renewal.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            await handler.SettleAsync(function, queue, lease.Message, result, _abortInvocations.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Settling message {MessageId} from {Queue} failed; it returns when its lease runs out", message.MessageId, function.QueueName);
        }
        finally
        {
            await renewal.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            completed.Release();
        }
    }

    private async Task KeepLeaseAsync(MessageLease lease, CancellationToken stop)
    {
        var interval = options.MessageLease / 2;
        while (true)
        {
            try
            {
                await Task.Delay(interval, stop).ConfigureAwait(false);
                await lease.RenewAsync(options.MessageLease).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not renew the lease of message {MessageId} in {Queue}", lease.Message.MessageId, lease.Queue.Name);
                return;
            }
        }
    }

    /// <summary>A message whose pop receipt changes as its lease is renewed.</summary>
    private sealed class MessageLease(IMessageQueue queue, QueueMessage message)
    {
        private readonly Lock _gate = new();

        public IMessageQueue Queue { get; } = queue;

        public QueueMessage Message
        {
            get { lock (_gate) return message; }
        }

        public async Task RenewAsync(TimeSpan lease)
        {
            var renewed = await Queue.UpdateVisibilityAsync(Message, lease).ConfigureAwait(false);
            lock (_gate)
                message = renewed;
        }
    }
}
