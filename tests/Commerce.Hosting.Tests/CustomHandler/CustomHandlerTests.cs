using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Commerce.Hosting.Timers;
using Commerce.Storage.Queues;
using Commerce.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Hosting.Tests.CustomHandler;

/// <summary>The requests the Azure Functions host sends to a custom handler for timer and queue functions.</summary>
public sealed class CustomHandlerTests : IAsyncLifetime
{
    public sealed record Order(string Id, decimal Total);

    private readonly List<Order> _orders = [];
    private readonly List<TimerInfo> _timers = [];
    private FunctionAppHarness _app = null!;

    public async Task InitializeAsync() =>
        _app = await FunctionAppHarness.StartAsync(b =>
        {
            b.Functions.AddQueue<Order>("TakeOrder", "orders", (order, ctx) =>
            {
                if (order.Total < 0)
                    throw new InvalidOperationException("negative total");
                lock (_orders)
                    _orders.Add(order);
                return Task.CompletedTask;
            });
            b.Functions.AddTimer("Nightly", "0 0 3 * * *", (info, _) =>
            {
                lock (_timers)
                    _timers.Add(info);
                return Task.CompletedTask;
            });
        }, underFunctionsHost: true);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static JsonObject QueueInvocation(JsonNode message, int dequeueCount = 1) => new()
    {
        ["Data"] = new JsonObject { ["message"] = message },
        ["Metadata"] = new JsonObject
        {
            ["DequeueCount"] = dequeueCount,
            ["Id"] = "3c1d5a4e-0000-4000-8000-000000000001",
            ["PopReceipt"] = "AgAAAAMAAAAAAAAA",
            ["InsertionTime"] = "2026-11-22T10:00:00+00:00",
            ["sys"] = new JsonObject { ["MethodName"] = "TakeOrder" },
        },
    };

    private static async Task<JsonObject> AnswerOf(HttpResponseMessage response)
    {
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(["Outputs", "Logs", "ReturnValue"], answer.Select(p => p.Key));
        Assert.Equal(JsonValueKind.Null, answer["ReturnValue"]?.GetValueKind() ?? JsonValueKind.Null);
        return answer;
    }

    [Fact]
    public async Task A_queue_invocation_with_the_message_as_a_json_string_runs_the_function()
    {
        var response = await _app.Client.PostAsJsonAsync("/TakeOrder", QueueInvocation(JsonValue.Create("""{"id":"o-1","total":12.50}""")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await AnswerOf(response);
        Assert.Equal(new Order("o-1", 12.50m), Assert.Single(_orders));
    }

    [Fact]
    public async Task A_queue_invocation_with_the_message_as_an_object_runs_the_function()
    {
        var response = await _app.Client.PostAsJsonAsync("/TakeOrder", QueueInvocation(new JsonObject { ["id"] = "o-2", ["total"] = 3 }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Order("o-2", 3m), Assert.Single(_orders));
    }

    [Fact]
    public async Task A_failing_function_answers_non_2xx_with_the_reason_in_the_logs()
    {
        var response = await _app.Client.PostAsJsonAsync("/TakeOrder", QueueInvocation(JsonValue.Create("""{"id":"o-3","total":-1}"""), dequeueCount: 2));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var answer = await AnswerOf(response);
        Assert.Contains("negative total", answer["Logs"]![0]!.GetValue<string>());
        Assert.Empty(_orders);
    }

    [Fact]
    public async Task An_invalid_message_is_parked_in_the_poison_queue_and_reported_done_so_the_host_drops_it()
    {
        var response = await _app.Client.PostAsJsonAsync("/TakeOrder", QueueInvocation(JsonValue.Create("{not json")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var poison = await _app.Services.GetRequiredService<IQueueStore>().GetQueueAsync("orders-poison");
        Assert.Equal("{not json", Assert.Single(await poison.DequeueAsync(5, TimeSpan.FromMinutes(1))).Body);
        Assert.Empty(_orders);
    }

    [Fact]
    public async Task A_timer_invocation_carries_the_schedule_status_and_past_due_flag()
    {
        var invocation = new JsonObject
        {
            ["Data"] = new JsonObject
            {
                ["timer"] = new JsonObject
                {
                    ["Schedule"] = new JsonObject { ["AdjustForDST"] = true },
                    ["ScheduleStatus"] = new JsonObject
                    {
                        ["Last"] = "2026-11-21T03:00:00+00:00",
                        ["Next"] = "2026-11-22T03:00:00+00:00",
                        ["LastUpdated"] = "2026-11-21T03:00:00.12+00:00",
                    },
                    ["IsPastDue"] = true,
                },
            },
            ["Metadata"] = new JsonObject(),
        };

        var response = await _app.Client.PostAsJsonAsync("/Nightly", invocation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var info = Assert.Single(_timers);
        Assert.True(info.IsPastDue);
        Assert.Equal(DateTimeOffset.Parse("2026-11-22T03:00:00+00:00"), info.ScheduleStatus!.Next);
    }

    [Fact]
    public async Task Unknown_functions_are_404_problem_details()
    {
        var response = await _app.Client.PostAsJsonAsync("/NoSuchFunction", new JsonObject());

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
