using System.Collections.Concurrent;
using Commerce.Hosting.Timers;
using Commerce.Storage.Blobs;
using Commerce.Storage.Documents;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Hosting.Tests.Timers;

public sealed class TimerTriggerTests
{
    [Fact]
    public async Task A_timer_fires_on_its_schedule()
    {
        var fired = new ConcurrentQueue<(DateTimeOffset At, TimerInfo Info)>();
        await using var app = await FunctionAppHarness.StartAsync(b => b.Functions.AddTimer("EverySecond", "*/1 * * * * *", (info, _) =>
        {
            fired.Enqueue((DateTimeOffset.UtcNow, info));
            return Task.CompletedTask;
        }));

        // A firing more than 2 s late is past due by design; on a loaded machine one can be, so the test looks for
        // three firings in a row that were on time and checks the schedule on them.
        (DateTimeOffset At, TimerInfo Info)[] OnTimeInARow()
        {
            var all = fired.ToArray();
            for (var i = 0; i + 3 <= all.Length; i++)
            {
                if (all.Skip(i).Take(3).All(r => !r.Info.IsPastDue))
                    return all[i..(i + 3)];
            }
            return [];
        }
        await Poll.UntilAsync(() => OnTimeInARow().Length, inARow => inARow == 3, TimeSpan.FromSeconds(60), "three on-time firings in a row");

        var runs = OnTimeInARow();
        Assert.All(runs, r => Assert.False(r.Info.IsPastDue));
        Assert.All(runs, r => Assert.Equal(0, r.Info.ScheduleStatus!.Last.Millisecond));
        Assert.All(runs, r => Assert.Equal(r.Info.ScheduleStatus!.Last.AddSeconds(1), r.Info.ScheduleStatus.Next));
        Assert.Equal(runs[0].Info.ScheduleStatus!.Last.AddSeconds(1), runs[1].Info.ScheduleStatus!.Last);
        Assert.All(runs, r => Assert.InRange(r.At - r.Info.ScheduleStatus!.Last, TimeSpan.Zero, TimeSpan.FromMilliseconds(900)));
    }

    [Fact]
    public async Task An_occurrence_missed_while_the_app_was_down_fires_once_as_past_due_at_start()
    {
        using var data = new TempDirectory();
        var fired = new ConcurrentQueue<TimerInfo>();
        var missed = DateTimeOffset.UtcNow.AddHours(-2);
        await using (var first = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, dataDirectory: data.Path))
        {
            var status = await first.Services.GetRequiredService<IBlobStore>().GetContainerAsync(TimerTriggerService.StatusContainer);
            await status.PutAsync("hourly.json", DocumentJson.Serialize(new TimerScheduleStatus(missed.AddHours(-1), missed, missed.AddHours(-1))));
        }

        await using var app = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, dataDirectory: data.Path, configure: b => b.Functions.AddTimer("Hourly", "0 0 * * * *", (info, _) =>
        {
            fired.Enqueue(info);
            return Task.CompletedTask;
        }));
        await Poll.UntilAsync(() => fired.Count, count => count > 0, TimeSpan.FromSeconds(10), "the past-due firing");
        await Task.Delay(500);

        var info = Assert.Single(fired);
        Assert.True(info.IsPastDue);
        Assert.True(info.ScheduleStatus!.Next > DateTimeOffset.UtcNow);
        Assert.Equal(0, info.ScheduleStatus.Next.Minute);
    }

    [Fact]
    public async Task A_damaged_schedule_status_starts_the_schedule_over_instead_of_stopping_it()
    {
        using var data = new TempDirectory();
        await using (var first = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, dataDirectory: data.Path))
        {
            var status = await first.Services.GetRequiredService<IBlobStore>().GetContainerAsync(TimerTriggerService.StatusContainer);
            await status.PutAsync("everysecond.json", "{ not json"u8.ToArray());
        }
        var fired = 0;

        await using var app = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, dataDirectory: data.Path, configure: b => b.Functions.AddTimer("EverySecond", "*/1 * * * * *", (_, _) =>
        {
            Interlocked.Increment(ref fired);
            return Task.CompletedTask;
        }));

        await Poll.UntilAsync(() => Volatile.Read(ref fired), count => count >= 2, TimeSpan.FromSeconds(10), "two firings");
    }

    [Fact]
    public async Task Run_on_startup_fires_at_once_even_when_the_schedule_is_far_away()
    {
        var fired = new ConcurrentQueue<TimerInfo>();
        await using var app = await FunctionAppHarness.StartAsync(b => b.Functions.AddTimer("Yearly", "0 0 0 1 1 *", (info, _) =>
        {
            fired.Enqueue(info);
            return Task.CompletedTask;
        }, runOnStartup: true));

        await Poll.UntilAsync(() => fired.Count, count => count > 0, TimeSpan.FromSeconds(10), "the start-up firing");
        Assert.False(Assert.Single(fired).IsPastDue);
    }

    [Fact]
    public async Task Two_app_instances_sharing_a_store_fire_each_occurrence_once()
    {
        using var data = new TempDirectory();
        var occurrences = new ConcurrentQueue<DateTimeOffset>();
        Action<FunctionAppBuilder> register = b => b.Functions.AddTimer("Shared", "*/1 * * * * *", (info, _) =>
        {
            occurrences.Enqueue(info.ScheduleStatus!.Last);
            return Task.CompletedTask;
        });
        await using var one = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, dataDirectory: data.Path, configure: register);
        await using var two = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, dataDirectory: data.Path, configure: register);

        await Poll.UntilAsync(() => occurrences.Count, count => count >= 5, TimeSpan.FromSeconds(15), "five occurrences");

        var seen = occurrences.ToArray();
        Assert.Equal(seen.Length, seen.Distinct().Count());
    }

    [Fact]
    public async Task A_failing_timer_keeps_its_schedule()
    {
        var attempts = 0;
        await using var app = await FunctionAppHarness.StartAsync(b => b.Functions.AddTimer("Broken", "*/1 * * * * *", (_, _) =>
        {
            Interlocked.Increment(ref attempts);
            throw new InvalidOperationException("boom");
        }));

        await Poll.UntilAsync(() => Volatile.Read(ref attempts), count => count >= 2, TimeSpan.FromSeconds(10), "a second attempt");
    }
}
