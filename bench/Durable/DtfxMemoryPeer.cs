using System.Diagnostics;
using DurableTask.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commerce.Bench.Durable;

/// <summary>
/// The same two workloads on Microsoft's DurableTask.Core with its in-memory orchestration service, in the same
/// process and run: it keeps nothing durably, so it is the ceiling of Microsoft's own dispatch to compare against.
/// </summary>
internal static class DtfxMemoryPeer
{
    public sealed record Figures(double SequencePerSecond, double FanOutActivitiesPerSecond);

    public static async Task<Figures> RunAsync(int instances, int fanOuts)
    {
        var service = new InMemoryOrchestrationService(NullLoggerFactory.Instance);
        var worker = new TaskHubWorker(service, NullLoggerFactory.Instance);
        worker.AddTaskOrchestrations(typeof(HelloSequence5), typeof(FanOutFanIn));
        worker.AddTaskActivities(typeof(SayHello));
        await worker.StartAsync();
        try
        {
            var client = new TaskHubClient(service, loggerFactory: NullLoggerFactory.Instance);
            async Task RunOneAsync(Type orchestration, object input)
            {
                var instance = await client.CreateOrchestrationInstanceAsync(orchestration, input);
                var state = await client.WaitForOrchestrationAsync(instance, TimeSpan.FromMinutes(5));
                if (state?.OrchestrationStatus != OrchestrationStatus.Completed)
                    throw new InvalidOperationException($"{orchestration.Name} ended {state?.OrchestrationStatus.ToString() ?? "without a state"}.");
            }

            await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => RunOneAsync(typeof(HelloSequence5), "warm")));
            var sequence = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, instances).Select(_ => RunOneAsync(typeof(HelloSequence5), "bench")));
            var sequencePerSecond = instances / sequence.Elapsed.TotalSeconds;

            var fanOut = Stopwatch.StartNew();
            for (var i = 0; i < fanOuts; i++)
                await RunOneAsync(typeof(FanOutFanIn), 100);
            return new Figures(sequencePerSecond, fanOuts * 100 / fanOut.Elapsed.TotalSeconds);
        }
        finally
        {
            await worker.StopAsync(isForced: true);
        }
    }

    private sealed class HelloSequence5 : TaskOrchestration<string, string>
    {
        public override async Task<string> RunTask(OrchestrationContext context, string input)
        {
            var result = "";
            for (var i = 0; i < 5; i++)
                result += await context.ScheduleTask<string>(typeof(SayHello), input);
            return result;
        }
    }

    private sealed class FanOutFanIn : TaskOrchestration<int, int>
    {
        public override async Task<int> RunTask(OrchestrationContext context, int count)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, count).Select(i => context.ScheduleTask<string>(typeof(SayHello), i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            return results.Length;
        }
    }

    private sealed class SayHello : TaskActivity<string, string>
    {
        protected override string Execute(TaskContext context, string input) => "Hello " + input;
    }
}
