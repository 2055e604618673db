using System.Security.Claims;
using Commerce.Functions.Http;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Orchestrations.OrderLifecycle;
using Commerce.Orders.Orders;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;

namespace Commerce.Functions.Orders;

/// <summary>Orders for their owners and for the back office; another customer's order does not exist for you.</summary>
public static class OrdersApi
{
    public static FunctionCatalog MapOrdersApi(this FunctionCatalog functions)
    {
        functions.AddHttp("GetOrder", "orders/{id}", ["GET"], GetOrder,
            configure: e => e.RequireCustomer().WithSummary("An order with its lines, totals, payment attempts and timeline (owner or admin)."));
        functions.AddHttp("ListOrders", "orders", ["GET"], ListOrders,
            configure: e => e.RequireCustomer().WithSummary("Your orders, newest first; admins see all and filter by status, customer and date."));
        functions.AddHttp("CancelOrder", "orders/{id}/cancel", ["POST"], CancelOrder,
            configure: e => e.RequireCustomer().WithSummary("Asks to cancel an order that has not shipped yet (owner, or admin for the shop); its payment is refunded or voided and its stock returned."));
        functions.AddHttp("RecordShipmentEvent", "orders/{id}/shipment-events", ["POST"], RecordShipmentEvent,
            configure: e => e.RequireAdmin().WithSummary("Reports that an order has shipped or been delivered (admin or carrier)."));
        return functions;
    }

    public static async Task<Results<Ok<OrderView>, NotFound>> GetOrder(string id, ClaimsPrincipal user, OrderRepository orders, CancellationToken cancellationToken)
    {
        var order = await orders.GetAsync(id, cancellationToken);
        return order is not null && (order.CustomerId == user.SubjectId() || user.IsAdmin())
            ? TypedResults.Ok(OrderView.From(order))
            : TypedResults.NotFound();
    }

    public static async Task<Results<Ok<OrderPage>, ValidationProblem>> ListOrders(
        ClaimsPrincipal user,
        OrderRepository orders,
        TimeProvider time,
        string? status,
        string? customerId,
        DateTimeOffset? from,
        DateTimeOffset? to,
        int? pageSize,
        string? continuationToken,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        OrderStatus? wanted = null;
        if (status is not null)
        {
            if (Enum.TryParse<OrderStatus>(status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !char.IsAsciiDigit(status[0]))
                wanted = parsed;
            else
                errors["status"] = [$"must be one of {string.Join(", ", Enum.GetNames<OrderStatus>())}"];
        }
        if (pageSize is < 1 or > 100)
            errors["pageSize"] = ["must be between 1 and 100"];
        if (from > to)
            errors["from"] = ["must not be after 'to'"];
        if (!user.IsAdmin() && customerId is not null && customerId != user.SubjectId())
            errors["customerId"] = ["only admins list other customers' orders"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        try
        {
            var size = pageSize ?? 20;
            var owner = user.IsAdmin() ? customerId : user.SubjectId();
            if (owner is not null)
                return TypedResults.Ok(await orders.ListByCustomerAsync(owner, wanted, size, continuationToken, cancellationToken));
            var until = to ?? time.GetUtcNow();
            return TypedResults.Ok(await orders.ListAsync(wanted, from ?? until.AddDays(-30), until, size, continuationToken, cancellationToken));
        }
        catch (ArgumentException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = [e.Message] });
        }
    }

    public static async Task<Results<Accepted<OrderView>, NotFound, ProblemHttpResult>> CancelOrder(
        string id, ClaimsPrincipal user, OrderRepository orders, DurableTaskClient orchestrations, CancellationToken cancellationToken)
    {
        var order = await orders.GetAsync(id, cancellationToken);
        if (order is null || (order.CustomerId != user.SubjectId() && !user.IsAdmin()))
            return TypedResults.NotFound();
        if (!order.Cancellable)
            return Preconditions.Conflict("Order can no longer be cancelled", $"The order is {order.Status}; orders can be cancelled until they ship.");
        if (await orchestrations.GetInstanceAsync(id, cancellationToken) is not { IsCompleted: false })
            return Preconditions.Conflict("Order lifecycle not running",
                "Nothing is running that could cancel the order and undo its payment and stock: its lifecycle has not started yet, or it stopped.");
        await orchestrations.RaiseEventAsync(id, OrderEvents.CancelRequested, new CancelNotice(user.SubjectId()!, ByShop: user.IsAdmin()), cancellationToken);
        return TypedResults.Accepted($"/api/orders/{id}", OrderView.From(order));
    }

    public static async Task<Results<Accepted, NotFound, ValidationProblem, ProblemHttpResult>> RecordShipmentEvent(
        string id, ShipmentEventRequest request, OrderRepository orders, DurableTaskClient orchestrations, CancellationToken cancellationToken)
    {
        var name = request.Type switch
        {
            "Shipped" => OrderEvents.Shipped,
            "Delivered" => OrderEvents.Delivered,
            _ => null,
        };
        if (name is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["type"] = ["must be Shipped or Delivered"] });
        var order = await orders.GetAsync(id, cancellationToken);
        if (order is null)
            return TypedResults.NotFound();
        if (order.IsFinished)
            return Preconditions.Conflict("Order is finished", $"The order is {order.Status}.");
        await orchestrations.RaiseEventAsync(id, name, request.Reference, cancellationToken);
        return TypedResults.Accepted($"/api/orders/{id}");
    }
}

public sealed record ShipmentEventRequest(string? Type, string? Reference);

/// <summary>An order as clients see it.</summary>
public sealed record OrderView(
    string Id,
    string CustomerId,
    string Status,
    string? CancellationReason,
    IReadOnlyList<OrderLine> Lines,
    decimal Total,
    string Currency,
    string PaymentMethod,
    IReadOnlyList<OrderPayment> Payments,
    IReadOnlyList<TimelineEntry> Timeline,
    Shipment? Shipment,
    Invoice? Invoice,
    IReadOnlyList<OrderReturn> Returns,
    DateTimeOffset PlacedAt,
    DateTimeOffset? PaidAt,
    DateTimeOffset? CompletedAt,
    double? ProcessingTimeMs)
{
    public static OrderView From(Order order) => new(
        order.Id, order.CustomerId, order.Status.ToString(), order.CancellationReason, order.Lines, order.Total, order.Currency,
        order.PaymentMethod, order.Payments, order.Timeline, order.Shipment, order.Invoice, order.Returns, order.PlacedAt, order.PaidAt, order.CompletedAt,
        order.ProcessingTime?.TotalMilliseconds);
}
