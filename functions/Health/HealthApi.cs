using Commerce.Hosting.Functions;
using Commerce.Hosting.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Health;

public static class HealthApi
{
    public static FunctionCatalog MapHealthApi(this FunctionCatalog functions)
    {
        functions.AddHttp("Health", "health", ["GET"], GetHealth,
            configure: endpoint => endpoint.WithSummary("Whether each store (documents, blobs, queues) is ready, and which adapter serves it."));
        return functions;
    }

    public static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> GetHealth(StorageStores stores, CancellationToken cancellationToken)
    {
        var checks = await stores.CheckAsync(cancellationToken);
        var ready = checks.All(c => c.Ready);
        var report = new HealthReport(
            ready ? "Healthy" : "Unhealthy",
            stores.Preset.ToString().ToLowerInvariant(),
            checks.Select(c => new StoreReport(c.Store, c.Adapter, c.Ready, c.Ready ? null : c.Detail)).ToList());
        return ready ? TypedResults.Ok(report) : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

public sealed record HealthReport(string Status, string Preset, IReadOnlyList<StoreReport> Stores);

/// <param name="Detail">why the store is not ready; omitted when it is.</param>
public sealed record StoreReport(string Store, string Adapter, bool Ready, string? Detail);
