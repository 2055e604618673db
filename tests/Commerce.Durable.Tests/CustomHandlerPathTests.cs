using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Durable.Hosting;
using Commerce.Durable.Storage;
using Commerce.Hosting;
using Commerce.Storage.Queues;
using Commerce.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Durable.Tests;

/// <summary>
/// The engine driven the way the Azure Functions host drives it: this test plays the host, taking each
/// queue message and posting it to /DurableOrchestrations or /DurableActivities, one per invocation.
/// </summary>
public sealed class CustomHandlerPathTests
{
    [Fact]
    public async Task An_orchestration_completes_when_every_message_arrives_through_the_custom_handler_protocol()
    {
        var activityRuns = 0;
        await using var app = await FunctionAppHarness.StartAsync(FunctionAppBuilder.Create, underFunctionsHost: true,
            configure: b => b.AddDurableTask(r => r
                .AddOrchestratorFunc<int, int>("Sum", async (context, n) =>
                {
                    var parts = await Task.WhenAll(Enumerable.Range(1, n).Select(i => context.CallActivityAsync<int>("Twice", i)));
                    await context.CreateTimer(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                    return parts.Sum();
                })
                .AddActivityFunc<int, int>("Twice", Task<int> (_, i) =>
                {
                    Interlocked.Increment(ref activityRuns);
                    return Task.FromResult(i * 2);
                })));
        var client = app.Services.GetRequiredService<DurableTaskClient>();
        var queues = app.Services.GetRequiredService<IQueueStore>();
        var control = await queues.GetQueueAsync(DurableStore.ControlQueue);
        var work = await queues.GetQueueAsync(DurableStore.WorkQueue);

        var id = await client.ScheduleNewOrchestrationInstanceAsync("Sum", 5);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await client.GetInstanceAsync(id))?.IsCompleted != true)
        {
            Assert.True(DateTime.UtcNow < deadline, "the orchestration did not finish");
            var posted = await DeliverAsync(app.Client, control, DurableTaskSetup.OrchestrationFunction)
                       + await DeliverAsync(app.Client, work, DurableTaskSetup.ActivityFunction);
            if (posted == 0)
                await Task.Delay(50);
        }

        var done = await client.GetInstanceAsync(id, getInputsAndOutputs: true);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done!.RuntimeStatus);
        Assert.Equal(30, done.ReadOutputAs<int>());
        Assert.Equal(5, activityRuns);
    }

    /// <summary>Posts every visible message concurrently, as the host does with a batch, and deletes those answered 2xx.</summary>
    private static async Task<int> DeliverAsync(HttpClient http, IMessageQueue queue, string function)
    {
        var batch = await queue.DequeueAsync(16, TimeSpan.FromSeconds(30));
        await Task.WhenAll(batch.Select(async message =>
        {
            var invocation = new JsonObject
            {
                ["Data"] = new JsonObject { ["message"] = message.Body },
                ["Metadata"] = new JsonObject { ["Id"] = message.MessageId, ["DequeueCount"] = message.DequeueCount, ["PopReceipt"] = message.PopReceipt },
            };
            var response = await http.PostAsJsonAsync("/" + function, invocation);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            await queue.DeleteAsync(message);
        }));
        return batch.Count;
    }
}
