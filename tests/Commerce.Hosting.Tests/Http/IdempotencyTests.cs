using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Hosting.Http.Idempotency;
using Commerce.Storage.Documents;
using Commerce.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Hosting.Tests.Http;

public sealed class IdempotencyTests : IAsyncLifetime
{
    public sealed record PlaceOrder(string Sku, int Quantity);

    private int _calls;
    private FunctionAppHarness _app = null!;

    public async Task InitializeAsync() =>
        _app = await FunctionAppHarness.StartAsync(b => b.Functions.AddHttp("PlaceOrder", "orders", ["POST"], async (PlaceOrder order) =>
        {
            var call = Interlocked.Increment(ref _calls);
            await Task.Delay(300);
            return order.Quantity <= 0
                ? Results.ValidationProblem(new Dictionary<string, string[]> { ["quantity"] = ["must be positive"] })
                : Results.Created($"/api/orders/o-{call}", new { id = $"o-{call}", order.Sku, order.Quantity });
        }, configure: e => e.WithIdempotencyKey()));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<HttpResponseMessage> PostAsync(string? key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(body) };
        if (key is not null)
            request.Headers.Add("Idempotency-Key", key);
        return _app.Client.SendAsync(request);
    }

    [Fact]
    public async Task A_request_without_a_key_is_400_naming_the_header_and_does_not_run()
    {
        var response = await PostAsync(null, new PlaceOrder("A", 1));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull(problem["errors"]!["Idempotency-Key"]);
        Assert.Equal(0, _calls);
    }

    [Fact]
    public async Task A_repeat_gets_the_first_answer_replayed_without_running_again()
    {
        var first = await PostAsync("k-1", new PlaceOrder("A", 2));
        var second = await PostAsync("k-1", new PlaceOrder("A", 2));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task The_same_key_with_a_different_request_is_422()
    {
        await PostAsync("k-2", new PlaceOrder("A", 2));
        var other = await PostAsync("k-2", new PlaceOrder("B", 2));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal(1, _calls);
    }

    [Fact]
    public async Task Twenty_parallel_repeats_run_once_and_all_get_the_same_answer()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostAsync("k-3", new PlaceOrder("A", 3))));

        Assert.Equal(1, _calls);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single(responses.Select(r => r.Headers.Location).Distinct());
        Assert.Equal(19, responses.Count(r => r.Headers.Contains("Idempotent-Replayed")));
    }

    [Fact]
    public async Task A_failed_request_frees_its_key_for_a_retry()
    {
        var invalid = await PostAsync("k-4", new PlaceOrder("A", 0));
        var again = await PostAsync("k-4", new PlaceOrder("A", 0));

        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.False(again.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, _calls);
    }

    [Fact]
    public async Task Records_past_their_retention_are_removed_and_the_key_can_run_again()
    {
        await PostAsync("k-5", new PlaceOrder("A", 1));
        var later = new ShiftedTime(IdempotencyStore.Retention + TimeSpan.FromHours(1));
        var store = new IdempotencyStore(_app.Services.GetRequiredService<IDocumentStore>(), later);

        Assert.Equal(1, await store.DeleteExpiredAsync(CancellationToken.None));
        var fresh = await PostAsync("k-5", new PlaceOrder("A", 1));
        Assert.False(fresh.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(2, _calls);
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
