using System.Collections.Concurrent;
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
        await using var leases = new LeaseKeeper(options.MessageLease, logger);
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
                    var task = RunAsync(function, queue, message, completed, leases);
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

    private async Task RunAsync(QueueFunction function, IMessageQueue queue, QueueMessage message, SemaphoreSlim completed, LeaseKeeper leases)
    {
        await Task.Yield();
        var lease = leases.Hold(queue, message);
        try
        {
            if (await handler.ParkIfExhaustedAsync(function, queue, message).ConfigureAwait(false))
                return;
            var result = await handler.InvokeAsync(function, message, _abortInvocations.Token).ConfigureAwait(false);
            var current = await lease.ReleaseAsync().ConfigureAwait(false);
            await handler.SettleAsync(function, queue, current, result, _abortInvocations.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Settling message {MessageId} from {Queue} failed; it returns when its lease runs out", message.MessageId, function.QueueName);
        }
        finally
        {
            await lease.ReleaseAsync().ConfigureAwait(false);
            completed.Release();
        }
    }

    /// <summary>
    /// Keeps the messages of one listener hidden while their functions run: one loop renews every lease
    /// that has run half its time, instead of a timer per message.
    /// </summary>
    private sealed class LeaseKeeper(TimeSpan leaseDuration, ILogger logger) : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<MessageLease, byte> _held = new();
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;

        public MessageLease Hold(IMessageQueue queue, QueueMessage message)
        {
            var lease = new MessageLease(queue, message, this);
            _held[lease] = 0;
            _loop ??= Task.Run(RenewLoopAsync);
            return lease;
        }

        internal void Forget(MessageLease lease) => _held.TryRemove(lease, out _);

        private async Task RenewLoopAsync()
        {
            using var timer = new PeriodicTimer(leaseDuration / 4);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
                {
                    // All at once, each within a quarter lease, so that one slow call cannot let the others run out.
                    var due = DateTimeOffset.UtcNow + leaseDuration / 2;
                    await Task.WhenAll(_held.Keys.Where(lease => lease.VisibleUntil <= due)
                        .Select(lease => lease.RenewAsync(leaseDuration, leaseDuration / 4, logger))).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            if (_loop is not null)
                await _loop.ConfigureAwait(false);
            _stop.Dispose();
        }
    }

    /// <summary>A message whose pop receipt changes as its lease is renewed; released once, before it is settled.</summary>
    private sealed class MessageLease(IMessageQueue queue, QueueMessage message, LeaseKeeper keeper)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private bool _released;

        public DateTimeOffset VisibleUntil => message.NextVisibleOn;

        public async Task RenewAsync(TimeSpan duration, TimeSpan callTimeout, ILogger logger)
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                using var timeout = new CancellationTokenSource(callTimeout);
                if (!_released)
                    message = await queue.UpdateVisibilityAsync(message, duration, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Could not renew the lease of message {MessageId} in {Queue}", message.MessageId, queue.Name);
            }
            finally
            {
                _gate.Release();
            }
        }

        /// <summary>Stops renewing and returns the message with its latest pop receipt.</summary>
        public async Task<QueueMessage> ReleaseAsync()
        {
            if (_released)
                return message;
            await _gate.WaitAsync().ConfigureAwait(false);
            _released = true;
            keeper.Forget(this);
            _gate.Release();
            return message;
        }
    }
}
