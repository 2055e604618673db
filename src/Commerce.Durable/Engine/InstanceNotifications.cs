using System.Collections.Concurrent;

namespace Commerce.Durable.Engine;

/// <summary>Tells waiters in this process that an instance has finished, so they need not wait for their next poll.</summary>
public sealed class InstanceNotifications
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _waiting = new(StringComparer.Ordinal);

    public Task WhenCompletedAsync(string instanceId) =>
        _waiting.GetOrAdd(instanceId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Completed(string instanceId)
    {
        if (_waiting.TryRemove(instanceId, out var waiting))
            waiting.TrySetResult();
    }

    public void Forget(string instanceId) => _waiting.TryRemove(instanceId, out _);
}
