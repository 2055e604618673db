using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Commerce.Hosting.Functions;
using Commerce.Hosting.Http.Idempotency;
using Microsoft.Extensions.DependencyInjection;
using static Commerce.Functions.Tests.Security.SecurityShop;

namespace Commerce.Functions.Tests.Security;

/// <summary>
/// Who may call what. Every route of /api/openapi.json has one row below with the answer each caller gets:
/// anonymous, customer A (who owns the order, cart and account the row names), customer B (acting on A's things),
/// and an admin. Writes are sent so that they are authorized or refused without changing the shop (an invalid body,
/// a stale If-Match, a finished order), so the rows do not depend on each other.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class AuthorizationMatrixTests(SecurityShop shop)
{
    /// <summary>
    /// The matrix. A route added to the app fails <see cref="Every_route_in_the_OpenAPI_document_has_a_row"/> until it
    /// has a row here: its "METHOD /path" exactly as the OpenAPI document writes it, a request, and the expected status
    /// for anonymous, customer A, customer B and admin.
    /// </summary>
    private static readonly Row[] Rows =
    [
        //   route                                              request                                                              anon   A    B  admin
        new("GET /api/products",                                s => Get("/api/products"),                                            200, 200, 200, 200),
        new("POST /api/products",                               s => Json("POST", "/api/products", "{}"),                             401, 403, 403, 400),
        new("GET /api/products/{sku}",                          s => Get($"/api/products/{Sku}"),                                     200, 200, 200, 200),
        new("PUT /api/products/{sku}",                          s => Json("PUT", $"/api/products/{Sku}", "{}"),                       401, 403, 403, 428),
        new("DELETE /api/products/{sku}",                       s => Send("DELETE", $"/api/products/{Sku}", ("If-Match", "\"stale\"")), 401, 403, 403, 412),
        new("POST /api/products/import",                        s => Csv("/api/products/import", ""),                                 401, 403, 403, 400),
        new("GET /api/categories",                              s => Get("/api/categories"),                                          200, 200, 200, 200),
        new("PUT /api/categories/{id}",                         s => Json("PUT", "/api/categories/goods", "{}"),                      401, 403, 403, 400),
        // A quotes with the contract price list assigned to A; nobody else but an admin may.
        new("GET /api/products/{sku}/price",                    s => Get($"/api/products/{Sku}/price?quantity=12&priceList={PriceListOfA}"), 403, 200, 403, 200),
        new("GET /api/price-lists/{id}",                        s => Get($"/api/price-lists/{PriceListOfA}"),                         401, 403, 403, 200),
        new("PUT /api/price-lists/{id}",                        s => Json("PUT", $"/api/price-lists/{PriceListOfA}", "{}"),           401, 403, 403, 400),
        new("GET /api/promotions",                              s => Get("/api/promotions"),                                          401, 403, 403, 200),
        new("POST /api/promotions",                             s => Json("POST", "/api/promotions", "{}"),                           401, 403, 403, 400),
        new("GET /api/customers/me",                            s => Get("/api/customers/me"),                                        401, 200, 200, 200),
        // Nobody raises their own credit limit.
        new("PATCH /api/customers/me",                          s => Json("PATCH", "/api/customers/me", """{"creditLimit":1000000}"""), 401, 400, 400, 400),
        new("GET /api/customers",                               s => Get("/api/customers"),                                           401, 403, 403, 200),
        new("GET /api/customers/{id}",                          s => Get($"/api/customers/{CustomerA}"),                              401, 403, 403, 200),
        new("PUT /api/customers/{id}",                          s => Json("PUT", $"/api/customers/{CustomerA}", """{"kind":"nonsense"}"""), 401, 403, 403, 400),
        new("GET /api/inventory/{sku}",                         s => Get($"/api/inventory/{Sku}"),                                    200, 200, 200, 200),
        new("POST /api/inventory/{sku}/adjustments",            s => Json("POST", $"/api/inventory/{Sku}/adjustments", "{}"),         401, 403, 403, 400),
        // The cart is always the caller's own: there is no way to name another's.
        new("GET /api/cart",                                    s => Get("/api/cart"),                                                401, 200, 200, 200),
        new("DELETE /api/cart",                                 s => Send("DELETE", "/api/cart"),                                     401, 204, 204, 204),
        new("PUT /api/cart/items/{sku}",                        s => Json("PUT", $"/api/cart/items/{CartSku}", """{"quantity":1}"""), 401, 200, 200, 200),
        new("DELETE /api/cart/items/{sku}",                     s => Send("DELETE", $"/api/cart/items/{CartSku}"),                    401, 200, 200, 200),
        new("POST /api/checkout",                               s => Json("POST", "/api/checkout", "{}", (IdempotencyExtensions.KeyHeader, "matrix")), 401, 400, 400, 400),
        new("GET /api/orders/{id}",                             s => Get($"/api/orders/{s.OrderOfA}"),                                401, 200, 404, 200),
        new("GET /api/orders",                                  s => Get($"/api/orders?customerId={CustomerA}"),                      401, 200, 400, 200),
        // A's order has finished: A and the shop may ask (409, too late); B cannot see A's order.
        new("POST /api/orders/{id}/cancel",                     s => Send("POST", $"/api/orders/{s.OrderOfA}/cancel"),                401, 409, 404, 409),
        new("POST /api/orders/{id}/shipment-events",            s => Json("POST", $"/api/orders/{s.OrderOfA}/shipment-events", """{"type":"Lost"}"""), 401, 403, 403, 400),
        // The signature is the credential; a token is not.
        new("POST /api/payments/webhooks/{channel}",            s => Json("POST", $"/api/payments/webhooks/{Channel}", "{}"),         401, 401, 401, 401),
        // An empty file imports nothing.
        new("POST /api/analytics/history",                      s => Csv("/api/analytics/history", ""),                               401, 403, 403, 400),
        new("GET /api/customers/me/notifications",              s => Get("/api/customers/me/notifications"),                          401, 200, 200, 200),
        // A reads the confirmation of A's order; nobody else has a message with that id.
        new("POST /api/customers/me/notifications/{id}/read",   s => Send("POST", $"/api/customers/me/notifications/{s.NotificationOfA}/read"), 401, 200, 404, 404),
        new("GET /api/customers/me/notification-preferences",   s => Get("/api/customers/me/notification-preferences"),               401, 200, 200, 200),
        new("PUT /api/customers/me/notification-preferences",   s => Json("PUT", "/api/customers/me/notification-preferences", """{"optedOut":["fax"]}"""), 401, 400, 400, 400),
        new("GET /api/retention/rules",                         s => Get("/api/retention/rules"),                                     401, 403, 403, 200),
        new("PUT /api/retention/rules",                         s => Json("PUT", "/api/retention/rules", "{}"),                       401, 403, 403, 400),
        new("GET /api/retention/rules/versions/{version}",      s => Get("/api/retention/rules/versions/999"),                        401, 403, 403, 404),
        new("GET /api/retention/tasks",                         s => Get("/api/retention/tasks"),                                     401, 403, 403, 200),
        new("POST /api/retention/tasks/{id}/{decision}",        s => Send("POST", "/api/retention/tasks/unknown/approve"),            401, 403, 403, 404),
        new("POST /api/retention/campaigns",                    s => Json("POST", "/api/retention/campaigns", "{}", (IdempotencyExtensions.KeyHeader, "matrix")), 401, 403, 403, 400),
        // Nothing is scored in the security shop (no churn model was trained).
        new("GET /api/retention/risk",                          s => Get("/api/retention/risk"),                                      401, 403, 403, 404),
        new("GET /api/retention/risk/{customerId}",             s => Get($"/api/retention/risk/{CustomerA}"),                         401, 403, 403, 404),
        new("GET /api/retention/campaigns",                     s => Get("/api/retention/campaigns"),                                 401, 403, 403, 200),
        new("GET /api/retention/campaigns/{id}",                s => Get("/api/retention/campaigns/unknown"),                         401, 403, 403, 404),
        // Anonymous devices send events too; an empty batch is a 400 for everyone.
        new("POST /api/events",                                 s => Json("POST", "/api/events", """{"events":[]}"""),                400, 400, 400, 400),
        new("GET /api/analytics/segments",                      s => Get("/api/analytics/segments?from=2026-01-02&to=2026-01-01"),    401, 403, 403, 400),
        new("GET /api/customers/me/insights",                   s => Get("/api/customers/me/insights"),                               401, 404, 404, 404),
        new("GET /api/customers/{id}/insights",                 s => Get($"/api/customers/{CustomerA}/insights"),                     401, 403, 403, 404),
        new("GET /api/recommendations",                         s => Get("/api/recommendations?slot=home"),                           200, 200, 200, 200),
        new("GET /api/models",                                  s => Get("/api/models"),                                              401, 403, 403, 200),
        new("POST /api/models/{kind}/train",                    s => Send("POST", "/api/models/no-such-kind/train"),                  401, 403, 403, 404),
        new("POST /api/models/{kind}/promote",                  s => Json("POST", "/api/models/recommendations/promote", "{}"),       401, 403, 403, 400),
        new("GET /api/analytics/kpis",                          s => Get("/api/analytics/kpis"),                                      401, 403, 403, 200),
        new("GET /api/analytics/cohorts",                       s => Get("/api/analytics/cohorts?by=month"),                          401, 403, 403, 200),
        new("POST /api/analytics/unit-economics",               s => Json("POST", "/api/analytics/unit-economics", """{"grossMargin":2}"""), 401, 403, 403, 400),
        new("PUT /api/analytics/acquisition-spend",             s => Json("PUT", "/api/analytics/acquisition-spend", "{}"),           401, 403, 403, 400),
        new("POST /api/experiments",                            s => Json("POST", "/api/experiments", "{}"),                          401, 403, 403, 400),
        new("GET /api/experiments/{id}",                        s => Get("/api/experiments/no-such-experiment"),                      401, 403, 403, 404),
        new("POST /api/experiments/{id}/start",                 s => Send("POST", "/api/experiments/no-such-experiment/start"),       401, 403, 403, 404),
        new("POST /api/experiments/{id}/stop",                  s => Send("POST", "/api/experiments/no-such-experiment/stop"),        401, 403, 403, 404),
        // A customer asks only for their own assignment: the token names them.
        new("GET /api/experiments/{id}/assignment",             s => Get("/api/experiments/no-such-experiment/assignment"),           401, 404, 404, 404),
        new("GET /api/experiments/{id}/results",                s => Get("/api/experiments/no-such-experiment/results"),              401, 403, 403, 404),
        new("POST /api/webhook-subscriptions",                  s => Json("POST", "/api/webhook-subscriptions", "{}"),                401, 403, 403, 400),
        new("GET /api/webhook-subscriptions",                   s => Get("/api/webhook-subscriptions"),                               401, 403, 403, 200),
        new("GET /api/webhook-subscriptions/{id}",              s => Get("/api/webhook-subscriptions/wh-none"),                       401, 403, 403, 404),
        new("DELETE /api/webhook-subscriptions/{id}",           s => Send("DELETE", "/api/webhook-subscriptions/wh-none"),            401, 403, 403, 404),
        new("GET /api/webhook-subscriptions/{id}/deliveries",   s => Get("/api/webhook-subscriptions/wh-none/deliveries"),            401, 403, 403, 404),
        new("POST /api/webhook-subscriptions/{id}/deliveries/{deliveryId}/redeliver", s => Send("POST", "/api/webhook-subscriptions/wh-none/deliveries/d-none/redeliver"), 401, 403, 403, 404),
        // The page holds no data: it asks the admin APIs with the token it is given.
        new("GET /api/dashboard/{file}",                        s => Get("/api/dashboard/dashboard.js"),                              200, 200, 200, 200),
        // A redirect to /api/dashboard (the clients follow it) for whoever asks, on a standalone instance.
        new("GET /dashboard",                                   s => Get("/dashboard"),                                               200, 200, 200, 200),
        new("GET /api/health",                                  s => Get("/api/health"),                                              200, 200, 200, 200),
        new("GET /api/orchestrations",                          s => Get("/api/orchestrations"),                                      401, 403, 403, 200),
        new("GET /api/orchestrations/{id}",                     s => Get($"/api/orchestrations/{s.OrderOfA}"),                        401, 403, 403, 200),
        new("POST /api/orchestrations/{id}/terminate",          s => Json("POST", $"/api/orchestrations/{s.OrderOfA}/terminate", "{}"), 401, 403, 403, 409),
        new("POST /api/orchestrations/{id}/events/{name}",      s => Json("POST", $"/api/orchestrations/{s.OrderOfA}/events/CancelRequested", "{}"), 401, 403, 403, 409),
    ];

    public static TheoryData<string> Routes => new(Rows.Select(r => r.Route));

    [Fact]
    public async Task Every_route_in_the_OpenAPI_document_has_a_row()
    {
        var documented = await OpenApiRoutes.ReadAsync(shop.Anonymous);
        var rows = Rows.Select(r => r.Route).ToList();

        var missing = documented.Select(r => r.Key).Except(rows).ToList();
        var stale = rows.Except(documented.Select(r => r.Key)).ToList();
        Assert.True(missing.Count == 0, "Routes without a row in AuthorizationMatrixTests.Rows (add one per route, with the status each caller gets):\n"
            + string.Join("\n", missing.Select(r => $"    new(\"{r}\", s => ..., anonymous, customerA, customerB, admin),")));
        Assert.True(stale.Count == 0, "Rows for routes the app no longer has: " + string.Join(", ", stale));
        Assert.Equal(rows.Count, rows.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Each_caller_gets_the_answer_its_row_states(string route)
    {
        var row = Rows.Single(r => r.Route == route);
        var wrong = new List<string>();

        // The owner last, so that what the others try happens while A's things are as the fixture made them.
        foreach (var (caller, client, expected) in new[] { ("anonymous", shop.Anonymous, row.Anonymous), ("customer B", shop.B, row.CustomerB), ("admin", shop.Admin, row.Admin), ("customer A", shop.A, row.CustomerA) })
        {
            using var response = await client.SendAsync(row.Request(shop));
            var status = (int)response.StatusCode;
            if (status != expected)
                wrong.Add($"{caller}: expected {expected}, got {status} {await response.Content.ReadAsStringAsync()}");
            else if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                wrong.Add($"{caller}: {status} is not problem details ({response.Content.Headers.ContentType})");
        }

        Assert.True(wrong.Count == 0, $"{route}:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public async Task Internal_invocation_paths_are_404_for_every_caller_on_a_standalone_instance()
    {
        var functions = shop.App.Services.GetRequiredService<FunctionCatalog>();
        var names = functions.Timers().Select(f => f.Name).Concat(functions.Queues().Select(f => f.Name)).ToList();
        var wrong = new List<string>();

        foreach (var name in names)
        {
            foreach (var (caller, client) in new[] { ("anonymous", shop.Anonymous), ("customer A", shop.A), ("customer B", shop.B), ("admin", shop.Admin) })
            {
                using var response = await client.PostAsync("/" + name, new StringContent(InternalEndpointTests.Invocation, Encoding.UTF8, "application/json"));
                if ((int)response.StatusCode != 404)
                    wrong.Add($"POST /{name} as {caller}: {(int)response.StatusCode}");
            }
        }

        Assert.NotEmpty(names);
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public async Task Customer_B_sees_none_of_A_in_lists_and_own_views()
    {
        var orders = (await shop.B.GetFromJsonAsync<JsonObject>("/api/orders"))!["orders"]!.AsArray();
        var account = (await shop.B.GetFromJsonAsync<JsonObject>("/api/customers/me"))!;
        var ordersOfA = (await shop.A.GetFromJsonAsync<JsonObject>("/api/orders"))!["orders"]!.AsArray();

        Assert.Contains(ordersOfA, o => (string?)o!["id"] == shop.OrderOfA);
        Assert.DoesNotContain(orders, o => (string?)o!["id"] == shop.OrderOfA || (string?)o!["customerId"] == CustomerA);
        Assert.Equal(CustomerB, (string?)account["id"]);
        Assert.Null((string?)account["priceListId"]);
    }

    private sealed record Row(string Route, Func<SecurityShop, HttpRequestMessage> Request, int Anonymous, int CustomerA, int CustomerB, int Admin);

    private static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

    private static HttpRequestMessage Send(string method, string path, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        foreach (var (name, value) in headers)
            request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    private static HttpRequestMessage Json(string method, string path, string body, params (string Name, string Value)[] headers)
    {
        var request = Send(method, path, headers);
        request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return request;
    }

    private static HttpRequestMessage Csv(string path, string body)
    {
        var request = Send("POST", path);
        request.Content = new StringContent(body, Encoding.UTF8, "text/csv");
        return request;
    }
}
