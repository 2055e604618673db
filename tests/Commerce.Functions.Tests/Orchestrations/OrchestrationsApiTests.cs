using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Durable;
using Commerce.Durable.Hosting;
using Commerce.Functions.Orchestrations;
using Commerce.Hosting.Auth;
using Commerce.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Orchestrations;

public sealed class OrchestrationsApiTests : IAsyncLifetime
{
    private FunctionAppHarness _app = null!;
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        _app = await FunctionAppHarness.StartAsync(b =>
        {
            b.AddDurableTask(tasks => tasks
                .AddOrchestratorFunc<string, string>("Approval", async (context, who) => $"{who}: " + await context.WaitForExternalEvent<string>("Decision")));
            b.Functions.MapOrchestrationsApi(e => e.RequireAdmin());
        });
        _admin = _app.ClientFor("ops-1", Roles.Admin);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _app.DisposeAsync();
    }

    private DurableTaskClient Durable => _app.Services.GetRequiredService<DurableTaskClient>();

    private async Task<JsonObject> WaitForStatusAsync(string id, string status) =>
        await Poll.UntilAsync(async () => (await _admin.GetFromJsonAsync<JsonObject>($"/api/orchestrations/{id}"))!, instance => (string?)instance["status"] == status,
            TimeSpan.FromSeconds(10), $"{id} to become {status}");

    [Fact]
    public async Task Without_a_token_it_is_401_and_for_a_customer_403_as_problem_details()
    {
        var anonymous = await _app.Client.GetAsync("/api/orchestrations");
        using var customer = _app.ClientFor("c-1", Roles.Customer);
        var forbidden = await customer.GetAsync("/api/orchestrations");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("application/problem+json", forbidden.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_admin_lists_reads_signals_and_terminates_instances()
    {
        var approved = await Durable.ScheduleNewOrchestrationInstanceAsync("Approval", "order-1");
        var doomed = await Durable.ScheduleNewOrchestrationInstanceAsync("Approval", "order-2");
        await WaitForStatusAsync(approved, "Running");
        await WaitForStatusAsync(doomed, "Running");

        var running = await _admin.GetFromJsonAsync<JsonObject>("/api/orchestrations?status=running");
        Assert.Superset(new HashSet<string> { approved, doomed }, running!["instances"]!.AsArray().Select(i => (string)i!["instanceId"]!).ToHashSet());

        Assert.Equal(HttpStatusCode.Accepted, (await _admin.PostAsJsonAsync($"/api/orchestrations/{approved}/events/Decision", "approved")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await _admin.PostAsJsonAsync($"/api/orchestrations/{doomed}/terminate", new { reason = "duplicate order" })).StatusCode);

        var completed = await WaitForStatusAsync(approved, "Completed");
        Assert.Equal("order-1: approved", (string?)completed["output"]);
        var terminated = await WaitForStatusAsync(doomed, "Terminated");
        Assert.Equal("duplicate order", (string?)terminated["output"]);

        var withHistory = await _admin.GetFromJsonAsync<JsonObject>($"/api/orchestrations/{approved}?history=true");
        var types = withHistory!["history"]!.AsArray().Select(e => (string)e!["type"]!).ToList();
        Assert.Contains("executionStarted", types);
        Assert.Contains("eventRaised", types);
        Assert.Equal(HttpStatusCode.Conflict, (await _admin.PostAsJsonAsync($"/api/orchestrations/{approved}/terminate", new { reason = "late" })).StatusCode);
    }

    [Fact]
    public async Task Unknown_instances_are_404_and_bad_filters_400_naming_the_field()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/orchestrations/nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsJsonAsync("/api/orchestrations/nope/terminate", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("/api/orchestrations/a%23b")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.PostAsJsonAsync("/api/orchestrations/a%3Fb/events/Go", new { })).StatusCode);

        var badStatus = await _admin.GetAsync("/api/orchestrations?status=sleeping");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.NotNull((await badStatus.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["status"]);

        var badToken = await _admin.GetAsync("/api/orchestrations?continuationToken=garbage");
        Assert.Equal(HttpStatusCode.BadRequest, badToken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.GetAsync("/api/orchestrations?createdFrom=yesterday")).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_routes_and_their_roles()
    {
        var document = await _app.Client.GetFromJsonAsync<JsonObject>("/api/openapi.json");

        var paths = document!["paths"]!.AsObject();
        Assert.Contains("/api/orchestrations", paths.Select(p => p.Key));
        Assert.Contains("/api/orchestrations/{id}/events/{name}", paths.Select(p => p.Key));
        Assert.NotNull(paths["/api/orchestrations"]!["get"]!["security"]);
        Assert.Equal("bearer", (string?)document["components"]!["securitySchemes"]!["bearer"]!["scheme"]);
    }
}
