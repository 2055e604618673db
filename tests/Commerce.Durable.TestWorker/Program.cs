using Commerce.Durable;
using Commerce.Durable.Hosting;
using Commerce.Hosting;
using Commerce.Storage.Documents;
using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

// A worker process for the engine's crash and multi-worker tests: schedules the same set of instances
// (scheduling is idempotent), runs them until every one is finished, then exits 0.
// Arguments: --instances N --Storage:DataDirectory=<dir> [other settings]
var settings = CommandArguments.Parse(args);
var count = int.Parse(settings.GetValueOrDefault("instances", "20"), System.Globalization.CultureInfo.InvariantCulture);

var builder = FunctionAppBuilder.Create([.. args, "--urls", "http://127.0.0.1:0"]);
builder.DocumentContainers.Add(CrashTest.ExecutionsContainer, CrashTest.EffectsContainer);
builder.AddDurableTask(tasks => tasks
    .AddOrchestratorFunc<string>(CrashTest.Orchestrator, async context =>
    {
        var results = new List<string>();
        for (var step = 1; step <= CrashTest.Steps; step++)
        {
            results.Add(await context.CallActivityAsync<RecordEffect, string, string>($"{context.InstanceId}:{step}"));
            if (step == 2)
                await context.CreateTimer(TimeSpan.FromMilliseconds(200), CancellationToken.None);
        }
        return string.Join(",", results);
    })
    .AddActivity<RecordEffect>());

await using var app = builder.Build();
await app.StartAsync();
var client = app.Services.GetRequiredService<DurableTaskClient>();
var ids = Enumerable.Range(0, count).Select(i => $"crash-{i:D3}").ToList();
foreach (var id in ids)
{
    if (await client.GetInstanceAsync(id) is null or { RuntimeStatus: OrchestrationRuntimeStatus.Pending })
    {
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(CrashTest.Orchestrator, null, new StartOrchestrationOptions(id));
        }
        catch (OrchestrationAlreadyExistsException)
        {
            // Another worker started it first.
        }
    }
}
foreach (var id in ids)
    await client.WaitForInstanceCompletionAsync(id);
await app.StopAsync();
return 0;

/// <summary>Records each run, and the effect once per key: an effect keyed by the activity's input happens once however often the activity runs.</summary>
internal sealed class RecordEffect(IDocumentStore documents) : TaskActivity<string, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, string key)
    {
        var executions = await documents.GetContainerAsync(CrashTest.ExecutionsContainer);
        await executions.CreateAsync(key, Guid.NewGuid().ToString("N"), new { key, process = Environment.ProcessId });
        var effects = await documents.GetContainerAsync(CrashTest.EffectsContainer);
        try
        {
            await effects.CreateAsync(CrashTest.EffectsPartition, key, new { key, process = Environment.ProcessId });
        }
        catch (DocumentConflictException)
        {
            // Already done by an earlier run of this activity: the effect is keyed, so it happens once.
        }
        return key;
    }
}

internal static class CrashTest
{
    public const string Orchestrator = "CrashTest";
    public const string EffectsContainer = "test-effects";
    public const string EffectsPartition = "effects";
    public const string ExecutionsContainer = "test-executions";
    public const int Steps = 4;
}
