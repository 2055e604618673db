using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Commerce.Orders.Orders;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Functions.Tests.Security;

/// <summary>Bad requests once answered wrongly: each is a 4xx problem and changes nothing.</summary>
[Collection(SecurityCollection.Name)]
public sealed class RefusalTests(SecurityShop shop)
{
    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((int)status, (int)problem["status"]!);
        return problem;
    }

    [Fact]
    public async Task Acting_on_a_finished_order_or_instance_is_a_409_problem()
    {
        var order = shop.OrderOfA;
        var refusals = new[]
        {
            await shop.A.PostAsync($"/api/orders/{order}/cancel", null),
            await shop.Admin.PostAsJsonAsync($"/api/orders/{order}/shipment-events", new { type = "Shipped" }),
            await shop.Admin.PostAsJsonAsync($"/api/orchestrations/{order}/terminate", new { reason = "late" }),
            await shop.Admin.PostAsJsonAsync($"/api/orchestrations/{order}/events/CancelRequested", new { }),
        };

        foreach (var refusal in refusals)
            Assert.False(string.IsNullOrEmpty((string?)(await ProblemAsync(refusal, HttpStatusCode.Conflict))["title"]));
        Assert.Equal(OrderStatus.Completed, (await shop.App.Services.GetRequiredService<OrderRepository>().GetAsync(order))!.Status);
    }
}
