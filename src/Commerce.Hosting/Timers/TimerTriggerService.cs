using System.Text.Json;
using Commerce.Hosting.Functions;
using Commerce.Storage.Blobs;
using Commerce.Storage.Documents;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commerce.Hosting.Timers;

/// <summary>
/// The local runtime for timer functions. With the monitor on (the default, as in Azure), each function's
/// schedule status lives in blob storage: an occurrence missed while the app was down fires once as past
/// due at start-up, and every occurrence is claimed with a conditional write, so several app instances
/// sharing a store fire it once between them.
/// </summary>
public sealed class TimerTriggerService(
    FunctionCatalog catalog,
    FunctionInvoker invoker,
    IBlobStore blobs,
    TimerTriggerOptions options,
    TimeProvider time,
    ILogger<TimerTriggerService> logger) : IHostedService
{
    public const string StatusContainer = "timer-status";

    /// <summary>An invocation later than this after its occurrence counts as past due.</summary>
    private static readonly TimeSpan PastDueAfter = TimeSpan.FromSeconds(2);

    /// <summary>Long waits are cut into slices so a status changed by another instance is seen.</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abortInvocations = new();
    private readonly List<Task> _timers = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var function in catalog.Timers())
            _timers.Add(Task.Run(() => RunAsync(function)));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await using (cancellationToken.Register(() => _abortInvocations.Cancel()))
            await Task.WhenAll(_timers).ConfigureAwait(false);
    }

    /// <summary>The longest pause before a schedule whose status store failed is looked at again.</summary>
    private static readonly TimeSpan LongestRecovery = TimeSpan.FromMinutes(1);

    private async Task RunAsync(TimerFunction function)
    {
        try
        {
            if (function.RunOnStartup)
                await InvokeAsync(function, new TimerInfo(null, IsPastDue: false)).ConfigureAwait(false);
            var pause = TimeSpan.FromSeconds(1);
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    if (function.UseMonitor)
                        await RunMonitoredAsync(function).ConfigureAwait(false);
                    else
                        await RunUnmonitoredAsync(function).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
                {
                    // A storage outage or a damaged status blob must not end the schedule until the next restart.
                    logger.LogError(e, "Timer function {Function} could not keep its schedule; trying again in {Pause}", function.Name, pause);
                    await Task.Delay(pause, time, _stopping.Token).ConfigureAwait(false);
                    pause = pause * 2 < LongestRecovery ? pause * 2 : LongestRecovery;
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RunUnmonitoredAsync(TimerFunction function)
    {
        while (!_stopping.IsCancellationRequested)
        {
            var next = function.Schedule.GetNextOccurrence(time.GetUtcNow(), options.TimeZone);
            await WaitUntilAsync(next).ConfigureAwait(false);
            if (time.GetUtcNow() >= next)
                await InvokeAsync(function, new TimerInfo(null, IsPastDue: false)).ConfigureAwait(false);
        }
    }

    private async Task RunMonitoredAsync(TimerFunction function)
    {
        var container = await blobs.GetContainerAsync(StatusContainer, _stopping.Token).ConfigureAwait(false);
        var blobName = function.Name.ToLowerInvariant() + ".json";
        var firstLook = true;
        while (!_stopping.IsCancellationRequested)
        {
            var stored = await container.GetAsync(blobName, _stopping.Token).ConfigureAwait(false);
            var status = stored is null ? null : ReadStatus(function, stored.Content);
            var now = time.GetUtcNow();
            var lookedFirst = firstLook;
            firstLook = false;

            if (status is null || ScheduleChanged(function, status, now))
            {
                var fresh = new TimerScheduleStatus(status?.Last ?? DateTimeOffset.MinValue, function.Schedule.GetNextOccurrence(now, options.TimeZone), now);
                await TryWriteAsync(container, blobName, fresh, stored?.Properties.ETag).ConfigureAwait(false);
                continue;
            }
            if (status.Next > now)
            {
                await WaitUntilAsync(status.Next).ConfigureAwait(false);
                continue;
            }

            var late = now - status.Next;
            var claimed = new TimerScheduleStatus(late > PastDueAfter ? now : status.Next, function.Schedule.GetNextOccurrence(now, options.TimeZone), now);
            if (!await TryWriteAsync(container, blobName, claimed, stored!.Properties.ETag).ConfigureAwait(false))
                continue;
            if (late > PastDueAfter)
                logger.LogWarning("Timer function {Function} is past due: its occurrence at {Occurrence} was missed{Reason}", function.Name, status.Next, lookedFirst ? " while the app was not running" : "");
            await InvokeAsync(function, new TimerInfo(claimed, IsPastDue: late > PastDueAfter)).ConfigureAwait(false);
        }
    }

    /// <summary>A damaged status blob is treated as none, so the schedule starts over instead of stopping.</summary>
    private TimerScheduleStatus? ReadStatus(TimerFunction function, ReadOnlyMemory<byte> content)
    {
        try
        {
            return JsonSerializer.Deserialize<TimerScheduleStatus>(content.Span, DocumentJson.Options);
        }
        catch (JsonException e)
        {
            logger.LogWarning(e, "The schedule status of timer function {Function} is damaged; starting its schedule over", function.Name);
            return null;
        }
    }

    /// <summary>
    /// A stored next occurrence still ahead is what the schedule gives from now, unless the schedule was
    /// edited since it was stored; then the status starts over.
    /// </summary>
    private bool ScheduleChanged(TimerFunction function, TimerScheduleStatus status, DateTimeOffset now) =>
        status.Next > now && function.Schedule.GetNextOccurrence(now, options.TimeZone) != status.Next;

    private async Task<bool> TryWriteAsync(IBlobContainer container, string blobName, TimerScheduleStatus status, string? etag)
    {
        var condition = etag is null ? BlobPutOptions.CreateOnly("application/json") : new BlobPutOptions("application/json", IfMatch: etag);
        try
        {
            await container.PutAsync(blobName, DocumentJson.Serialize(status), condition, _stopping.Token).ConfigureAwait(false);
            return true;
        }
        catch (BlobPreconditionFailedException)
        {
            return false;
        }
    }

    private async Task WaitUntilAsync(DateTimeOffset when)
    {
        var wait = when - time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
            return;
        await Task.Delay(wait < LongestWait ? wait : LongestWait, time, _stopping.Token).ConfigureAwait(false);
    }

    private async Task InvokeAsync(TimerFunction function, TimerInfo info)
    {
        try
        {
            await invoker.InvokeTimerAsync(function, info, _abortInvocations.Token).ConfigureAwait(false);
        }
        catch (Exception) when (!_abortInvocations.IsCancellationRequested)
        {
            // Logged by the invoker; a failed run does not stop the schedule, as in Azure.
        }
    }
}
