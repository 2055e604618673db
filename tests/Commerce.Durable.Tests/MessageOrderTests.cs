using Commerce.Durable.Engine;

namespace Commerce.Durable.Tests;

/// <summary>
/// The messages that reach one step are applied in the order they were queued, as DurableTask.AzureStorage orders a
/// control-queue batch (by insertion time) before DurableTask.Core applies it: concurrent handlers hand them over in
/// any order.
/// </summary>
public sealed class MessageOrderTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_cancel_queued_before_an_activity_result_is_applied_before_it()
    {
        var result = new WorkMessage("result", "o-1", "e-1", Event: new TaskCompleted(2, "true"), QueuedAt: Noon.AddMilliseconds(5));
        var cancel = new WorkMessage("cancel", "o-1", null, Event: new EventRaised("cancel", "CancelRequested", null), QueuedAt: Noon.AddMilliseconds(1));

        Assert.Equal(["cancel", "result"], OrchestrationWorker.InQueueOrder([result, cancel]).Select(m => m.Id));
        Assert.Equal(["cancel", "result"], OrchestrationWorker.InQueueOrder([cancel, result]).Select(m => m.Id));
    }

    [Fact]
    public void A_start_comes_first_and_a_timer_counts_from_when_it_fell_due()
    {
        var timer = new WorkMessage("timer", "o-1", "e-1", Event: new TimerFired(1, Noon.AddSeconds(1).UtcDateTime), QueuedAt: Noon.AddSeconds(1));
        var raised = new WorkMessage("raised", "o-1", null, Event: new EventRaised("raised", "Go", null), QueuedAt: Noon.AddSeconds(2));
        var start = new WorkMessage("start", "o-1", "e-1", Event: new ExecutionStarted("Order", null, null), QueuedAt: Noon.AddSeconds(3));

        Assert.Equal(["start", "timer", "raised"], OrchestrationWorker.InQueueOrder([raised, timer, start]).Select(m => m.Id));
    }
}
