using Commerce.Testing;

namespace Commerce.Hosting.Tests.Testing;

/// <summary>The waiting that every test which awaits another thread or process relies on.</summary>
public sealed class PollTests
{
    [Fact]
    public async Task Returns_the_first_observed_value_that_satisfies_the_condition_without_observing_again()
    {
        var observations = 0;

        var observed = await Poll.UntilAsync(() => ++observations, n => n >= 3, TimeSpan.FromSeconds(30), "the third observation", TimeSpan.FromMilliseconds(1));

        Assert.Equal(3, observed);
        Assert.Equal(3, observations);
    }

    [Fact]
    public async Task A_condition_that_never_holds_fails_naming_what_was_awaited_and_the_last_value_seen()
    {
        var observations = 0;

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() =>
            Poll.UntilAsync(() => Task.FromResult(++observations), n => n < 0, TimeSpan.FromMilliseconds(50), "a negative count", TimeSpan.FromMilliseconds(5)));

        Assert.Contains("a negative count", timeout.Message, StringComparison.Ordinal);
        Assert.EndsWith($"last observed: {observations}", timeout.Message, StringComparison.Ordinal);
        Assert.True(observations > 1);
    }

    [Fact]
    public async Task The_failure_shows_the_last_value_as_the_caller_describes_it()
    {
        var timeout = await Assert.ThrowsAsync<TimeoutException>(() =>
            Poll.UntilAsync(() => new[] { "a", "b" }, items => items.Length > 2, TimeSpan.FromMilliseconds(20), "a third item", describe: items => string.Join("+", items)));

        Assert.EndsWith("last observed: a+b", timeout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_observation_is_not_retried_but_propagates()
    {
        var observations = 0;
        Func<Task<bool>> unreadable = () =>
        {
            observations++;
            throw new InvalidOperationException("unreadable");
        };

        await Assert.ThrowsAsync<InvalidOperationException>(() => Poll.UntilAsync(unreadable, TimeSpan.FromSeconds(30), "a readable store"));

        Assert.Equal(1, observations);
    }
}
