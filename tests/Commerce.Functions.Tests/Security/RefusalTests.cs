using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Orders.Orders;
using Microsoft.Extensions.DependencyInjection;
using static Commerce.Functions.Tests.Security.SecurityShop;

namespace Commerce.Functions.Tests.Security;

/// <summary>Bad requests the fuzz test once found answered wrongly: each is a 4xx problem and changes nothing.</summary>
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

    private static StringContent Json(string text, string contentType = "application/json") => new(text, Encoding.UTF8) { Headers = { ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType) } };

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

    [Theory]
    [InlineData("PATCH", "/api/customers/me", """{"name":"\ud800"}""")]
    [InlineData("PUT", "/api/price-lists/surrogates", """{"name":"\udfff\ud800"}""")]
    [InlineData("PUT", "/api/categories/goods", """{"name":"Goods","attributes":[{"\ud800":1}]}""")]
    public async Task Text_escaping_a_lone_surrogate_is_a_400_not_a_500(string method, string path, string body)
    {
        var response = await shop.Admin.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = Json(body) });

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["body"]);
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_body_the_framework_binds_is_a_400_that_creates_nothing()
    {
        var before = (await shop.App.Services.GetRequiredService<Commerce.Catalog.Pricing.PricingStore>().PromotionsAsync()).Count;
        var response = await shop.Admin.PostAsync("/api/promotions", Json("""{"name":"x","kind":"percentOff","value":5,"coupon":"\udfff\ud800"}"""));

        await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(before, (await shop.App.Services.GetRequiredService<Commerce.Catalog.Pricing.PricingStore>().PromotionsAsync()).Count);
    }

    [Theory]
    [InlineData("application/json; charset=bogus")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/merge-patch+json; charset=latin1")]
    public async Task A_json_body_in_a_charset_other_than_utf8_is_a_415(string contentType)
    {
        var bound = await shop.Admin.PostAsync($"/api/orders/{shop.OrderOfA}/shipment-events", Json("""{"type":"Shipped"}""", contentType));
        var read = await shop.Admin.PutAsync("/api/price-lists/charset", Json("""{"name":"x"}""", contentType));
        var utf8 = await shop.Admin.PostAsync("/api/promotions", Json("""{"name":"x"}""", "application/json; charset=\"UTF-8\""));

        await ProblemAsync(bound, HttpStatusCode.UnsupportedMediaType);
        await ProblemAsync(read, HttpStatusCode.UnsupportedMediaType);
        await ProblemAsync(utf8, HttpStatusCode.BadRequest);
        Assert.Single(await shop.App.Services.GetRequiredService<Commerce.Catalog.Pricing.PricingStore>().PromotionsAsync());
        Assert.Null(await shop.App.Services.GetRequiredService<Commerce.Catalog.Pricing.PricingStore>().GetPriceListAsync("charset"));
    }

    [Fact]
    public async Task An_id_no_document_can_have_is_404_to_read_or_delete_and_400_to_create()
    {
        var read = await shop.Admin.GetAsync("/api/customers/a%23b");
        var deleted = await shop.Admin.DeleteAsync("/api/products/a%3Fb");
        var created = await shop.Admin.PutAsJsonAsync("/api/customers/" + Uri.EscapeDataString("x\u0007"), new { kind = "consumer" });

        await ProblemAsync(read, HttpStatusCode.NotFound);
        await ProblemAsync(deleted, HttpStatusCode.NotFound);
        Assert.NotNull((await ProblemAsync(created, HttpStatusCode.BadRequest))["errors"]!["id"]);
    }

    [Fact]
    public async Task A_body_declared_over_the_limit_is_413_and_the_connection_is_closed_rather_than_left_unusable()
    {
        var response = await shop.Admin.PostAsync("/api/promotions", Json("{\"pad\":\"" + new string('x', (int)MaxBodyBytes) + "\"}"));

        await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.True(response.Headers.ConnectionClose);
    }
}
