using System.Collections.Concurrent;
using System.Globalization;
using Commerce.Hosting.Auth;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static Commerce.Functions.Tests.Security.SecurityShop;

namespace Commerce.Functions.Tests.Security;

/// <summary>
/// Thousands of malformed requests spread over every route of the OpenAPI document, generated from a fixed seed: no
/// answer may be a 5xx, every 4xx must be problem details, and the products, orders, stock and coupons must be as they
/// were. A failure prints the seed and the first failing request; FUZZ_SEED=&lt;seed&gt; replays a run, FUZZ_REQUESTS sizes it.
/// </summary>
[Collection(SecurityCollection.Name)]
public sealed class FuzzTests(SecurityShop shop, ITestOutputHelper output)
{
    public const ulong DefaultSeed = 20261204;
    public const int DefaultRequests = 2400;

    /// <summary>Where products, orders, stock levels and coupon uses are kept.</summary>
    private static readonly string[] Guarded = ["products", "orders", "inventory", "promotions"];

    [Fact]
    public async Task Malformed_requests_to_every_route_get_4xx_problem_details_and_change_nothing()
    {
        var seed = Environment.GetEnvironmentVariable("FUZZ_SEED") is { Length: > 0 } given ? ulong.Parse(given, CultureInfo.InvariantCulture) : DefaultSeed;
        var count = Environment.GetEnvironmentVariable("FUZZ_REQUESTS") is { Length: > 0 } size ? int.Parse(size, CultureInfo.InvariantCulture) : DefaultRequests;
        var api = await OpenApiRoutes.ReadDocumentAsync(shop.Anonymous);
        var generator = new MalformedRequests(api, new Dictionary<string, string> { ["sku"] = Sku, ["id"] = shop.OrderOfA, ["channel"] = Channel }, MaxBodyBytes);
        var gens = api.Routes.Select(generator.For).ToList();
        var random = new PCG(1, seed);
        // Generated up front, in order, so that the seed alone decides every request however they are sent.
        var requests = Enumerable.Range(0, count).Select(i => gens[i % gens.Count].Generate(random, null, out _)).ToList();
        var tokens = shop.App.Services.GetRequiredService<TokenIssuer>();
        var authorization = new Dictionary<Caller, string>
        {
            [Caller.Customer] = "Bearer " + tokens.Issue("fuzz-customer", [Roles.Customer]),
            [Caller.Admin] = "Bearer " + tokens.Issue("fuzz-admin", [Roles.Admin]),
        };
        var before = await StoreSnapshot.ReadAsync(shop.App.DataDirectory, Guarded);

        var failures = new ConcurrentDictionary<int, string>();
        var statuses = new ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
        {
            try
            {
                using var response = await shop.Anonymous.SendAsync(requests[i].ToMessage(authorization));
                var status = (int)response.StatusCode;
                statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                var body = await response.Content.ReadAsStringAsync();
                if (status >= 500)
                    failures[i] = $"answered {status}: {Shorten(body)}";
                else if (status >= 400 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    failures[i] = $"answered {status} as {response.Content.Headers.ContentType?.ToString() ?? "no content type"}: {Shorten(body)}";
            }
            catch (HttpRequestException e)
            {
                failures[i] = $"no answer: {e.Message} {e.InnerException?.Message}";
            }
        });
        var after = await StoreSnapshot.ReadAsync(shop.App.DataDirectory, Guarded);

        output.WriteLine($"seed {seed}, {count} requests over {api.Routes.Count} routes; answers: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key} x{s.Value}"))}");
        output.WriteLine($"store before: {before.Counts}; after: {after.Counts}");
        foreach (var i in failures.Keys.Order().Take(300))
            output.WriteLine($"#{i} {requests[i].Method} {requests[i].Url[..Math.Min(120, requests[i].Url.Length)]} [{requests[i].Defect}]: {failures[i]}");
        if (!failures.IsEmpty)
        {
            var first = failures.Keys.Min();
            Assert.Fail($"{failures.Count} of {count} malformed requests were answered wrongly (seed {seed}; replay with FUZZ_SEED={seed}). "
                + $"The first, #{first}:\n{requests[first]}\n  {failures[first]}\nOthers: "
                + string.Join("; ", failures.Keys.Order().Skip(1).Take(10).Select(i => $"#{i} {requests[i].Method} {requests[i].Route}: {failures[i].Split('\n')[0]}")));
        }
        Assert.Equal(before.Counts, after.Counts);
        Assert.Empty(after.ChangesSince(before));
        Assert.Equal(api.Routes.Select(r => r.Key).Order(), requests.Select(r => r.Route).Distinct().Order());
    }

    private static string Shorten(string text) => text.Length > 400 ? text[..400] + "..." : text;
}
