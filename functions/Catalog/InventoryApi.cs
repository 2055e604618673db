using System.Security.Claims;
using Commerce.Catalog.Inventory;
using Commerce.Catalog.Products;
using Commerce.Functions.Http;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Catalog;

/// <summary>Stock levels (anyone) and manual adjustments with a reason (admins).</summary>
public static class InventoryApi
{
    public const string ReleaseExpiredFunction = "ReleaseExpiredReservations";

    public static FunctionCatalog MapInventoryApi(this FunctionCatalog functions, string releaseSchedule = "0 */1 * * * *")
    {
        functions.AddHttp("GetInventory", "inventory/{sku}", ["GET"], GetInventory,
            configure: e => e.WithSummary("On hand, reserved and available units; admins also see the adjustment trail."));
        functions.AddHttp("AdjustInventory", "inventory/{sku}/adjustments", ["POST"], Adjust,
            configure: e => e.RequireAdmin().WithSummary("Adds (or with a negative delta removes) units, with a reason kept in the audit trail."));
        functions.AddTimer(ReleaseExpiredFunction, releaseSchedule, async (_, context) =>
        {
            var released = await context.Services.GetRequiredService<InventoryService>().ReleaseExpiredAsync(context.CancellationToken);
            if (released > 0)
                context.Logger.LogInformation("Released {Count} expired stock reservations", released);
        });
        return functions;
    }

    public static async Task<Results<Ok<InventoryView>, NotFound>> GetInventory(string sku, ClaimsPrincipal user, ProductCatalog catalog, InventoryService inventory, CancellationToken cancellationToken)
    {
        if (await catalog.GetAsync(sku, cancellationToken) is null)
            return TypedResults.NotFound();
        var stock = await inventory.GetAsync(sku, cancellationToken) ?? new StockLevel { Sku = Skus.Normalize(sku) };
        return TypedResults.Ok(InventoryView.From(stock, inventory, user.IsAdmin()));
    }

    public static async Task<Results<Ok<InventoryView>, NotFound, ValidationProblem, ProblemHttpResult>> Adjust(
        string sku, HttpRequest request, ClaimsPrincipal user, ProductCatalog catalog, InventoryService inventory, CancellationToken cancellationToken)
    {
        if (await catalog.GetAsync(sku, cancellationToken) is null)
            return TypedResults.NotFound();
        var body = await JsonBody.ReadAsync(request);
        var delta = body.Int("delta", required: true);
        var reason = body.String("reason", required: true, maxLength: 200);
        var threshold = body.Int("lowStockThreshold");
        if (delta == 0)
            body.Fail("delta", "must not be zero");
        if (string.IsNullOrWhiteSpace(reason) && !body.Errors.ContainsKey("reason"))
            body.Fail("reason", "is required");
        if (threshold < 0)
            body.Fail("lowStockThreshold", "must be zero or more");
        if (body.Errors.Count > 0)
            return TypedResults.ValidationProblem(body.Errors);
        try
        {
            var stock = await inventory.AdjustAsync(sku, delta!.Value, reason!, user.SubjectId() ?? "admin", cancellationToken);
            if (threshold is { } low)
                stock = await inventory.SetLowStockThresholdAsync(sku, low, cancellationToken);
            return TypedResults.Ok(InventoryView.From(stock, inventory, true));
        }
        catch (StockAdjustmentException e)
        {
            return Preconditions.Conflict("Adjustment refused", e.Message);
        }
    }
}

public sealed record InventoryView(string Sku, string Location, int OnHand, int Reserved, int Available, int LowStockThreshold, bool LowStock)
{
    public IReadOnlyList<StockAdjustment>? Adjustments { get; init; }

    public static InventoryView From(StockLevel stock, InventoryService inventory, bool withTrail) =>
        new(stock.Sku, stock.Location, stock.OnHand, stock.Reserved, stock.Available, inventory.LowStockThresholdOf(stock), inventory.IsLow(stock))
        {
            Adjustments = withTrail ? stock.Adjustments : null,
        };
}
