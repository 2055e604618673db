using System.Net;
using System.Text.Json.Nodes;
using System.Net.Http.Json;
using Commerce.Storage.Documents;
using Commerce.Testing;
using Microsoft.AspNetCore.Http;

namespace Commerce.Hosting.Tests.Http;

public sealed class ContentionTests
{
    [Fact]
    public async Task A_change_that_lost_every_retry_is_a_503_problem_with_retry_after_not_a_500()
    {
        await using var app = await FunctionAppHarness.StartAsync(b =>
        {
            b.Functions.AddHttp("Busy", "busy", ["POST"], IResult () => throw new DocumentContentionException("carts", "c-1", "c-1", 10, new InvalidOperationException("conflict")));
            b.Functions.AddHttp("Broken", "broken", ["POST"], IResult () => throw new InvalidOperationException("bug"));
        });

        using var busy = await app.Client.PostAsync("/api/busy", null);
        using var broken = await app.Client.PostAsync("/api/broken", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.Equal("application/problem+json", busy.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(1), busy.Headers.RetryAfter?.Delta);
        Assert.Equal(503, (int)(await busy.Content.ReadFromJsonAsync<JsonObject>())!["status"]!);
        Assert.Equal(HttpStatusCode.InternalServerError, broken.StatusCode);
        Assert.Null(broken.Headers.RetryAfter);
    }
}
