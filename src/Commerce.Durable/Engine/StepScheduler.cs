using System.Collections.Concurrent;

namespace Commerce.Durable.Engine;

/// <summary>
/// Runs orchestration code one continuation at a time on the thread that replays it: every await inside
/// the orchestrator resumes here, only when <see cref="Pump"/> is called, so replay order is exactly the
/// order in which history events complete the awaited tasks.
/// </summary>
internal sealed class StepScheduler : TaskScheduler
{
    private readonly ConcurrentQueue<Task> _queue = new();

    public Task<T> Start<T>(Func<Task<T>> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.None, this).Unwrap();

    public void Pump()
    {
        while (_queue.TryDequeue(out var task))
            TryExecuteTask(task);
    }

    protected override void QueueTask(Task task) => _queue.Enqueue(task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();
}
