using Commerce.Storage.Documents;

namespace Commerce.Storage.Tests.Documents;

public sealed class DocumentConflictsTests
{
    [Fact]
    public void Pauses_double_from_the_first_up_to_the_cap_each_jittered_down_to_no_less_than_half()
    {
        for (var attempt = 1; attempt <= 14; attempt++)
        {
            var nominal = 10.0;
            for (var i = 1; i < attempt; i++)
                nominal = Math.Min(nominal * 2, 1000);
            var pauses = Enumerable.Range(0, 200).Select(_ => DocumentConflicts.PauseAfter(attempt).TotalMilliseconds).ToList();

            Assert.All(pauses, p => Assert.InRange(p, nominal / 2, nominal));
            Assert.True(pauses.Distinct().Count() > 100, $"attempt {attempt}: the pauses are not spread");
        }
    }

    [Fact]
    public async Task Lost_races_are_tried_again_and_the_first_success_is_the_answer()
    {
        var calls = 0;
        var answer = await DocumentConflicts.RetryAsync("c", "p", "d", () =>
        {
            calls++;
            return calls switch
            {
                1 => throw new DocumentPreconditionFailedException("c", "p", "d"),
                2 => throw new DocumentConflictException("c", "p", "d"),
                3 => throw new DocumentNotFoundException("c", "p", "d"),
                _ => Task.FromResult("written"),
            };
        });

        Assert.Equal(("written", 4), (answer, calls));
    }

    [Fact]
    public async Task Any_other_failure_ends_it_at_once()
    {
        var calls = 0;

        await Assert.ThrowsAsync<InvalidOperationException>(() => DocumentConflicts.RetryAsync<int>("c", "p", "d", () =>
        {
            calls++;
            throw new InvalidOperationException("store down");
        }));
        Assert.Equal(1, calls);
    }
}
