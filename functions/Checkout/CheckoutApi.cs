using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Commerce.Catalog.Customers;
using Commerce.Catalog.Pricing;
using Commerce.Catalog.Products;
using Commerce.Functions.Http;
using Commerce.Functions.Orders;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Hosting.Http.Idempotency;
using Commerce.Orchestrations.OrderLifecycle;
using Commerce.Orders.Cart;
using Commerce.Orders.Orders;
using Commerce.Payments.Channels;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;

namespace Commerce.Functions.Checkout;

/// <summary>
/// Turns a cart (or the lines given) into an order and starts its lifecycle. Prices are quoted on the
/// server; whatever the client thinks they are is ignored. The Idempotency-Key makes retries safe: the
/// order id is derived from the customer and the key, so even a retry after a crash finds the same order.
/// </summary>
public static class CheckoutApi
{
    public const string ResumeStalledFunction = "ResumeStalledCheckouts";

    public static FunctionCatalog MapCheckoutApi(this FunctionCatalog functions)
    {
        functions.AddTimer(ResumeStalledFunction, "0 */5 * * * *", async (_, context) =>
        {
            var services = context.Services;
            var resumed = await OrderLifecycleStarter.ResumeStalledAsync(services.GetRequiredService<OrderRepository>(), services.GetRequiredService<DurableTaskClient>(),
                services.GetRequiredService<LifecycleTimings>(), services.GetRequiredService<TimeProvider>().GetUtcNow(), context.CancellationToken);
            if (resumed > 0)
                context.Logger.LogWarning("Started the lifecycle of {Count} order(s) whose checkout stopped before starting it", resumed);
        });
        functions.AddHttp("Checkout", "checkout", ["POST"], Checkout, configure: e => e
            .RequireCustomer()
            .WithIdempotencyKey()
            .WithSummary("Places an order from your cart or the given lines (all in one currency: lines in several are 422, naming each); needs an Idempotency-Key header. Body: {\"paymentMethod\":\"pm_card_visa\",\"coupon\":...,\"shippingAddress\":{...},\"lines\":[{\"sku\":...,\"quantity\":N}]}."));
        return functions;
    }

    public static async Task<Results<Accepted<OrderView>, ValidationProblem, ProblemHttpResult>> Checkout(
        HttpRequest request,
        ClaimsPrincipal user,
        CartService carts,
        PricingService pricing,
        ProductCatalog catalog,
        CustomerService customers,
        OrderRepository orders,
        PricingStore coupons,
        DurableTaskClient orchestrations,
        LifecycleTimings timings,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var customerId = user.SubjectId()!;
        var body = await JsonBody.ReadAsync(request);
        var paymentMethod = body.String("paymentMethod", required: true, maxLength: 64);
        if (paymentMethod is not null && !PaymentMethods.IsKnown(paymentMethod))
            body.Fail("paymentMethod", "is not a payment method this shop accepts");
        var coupon = body.String("coupon", maxLength: 40);
        var address = body.Object("shippingAddress", a => new ShippingAddress(
            a.String("name", maxLength: 200), a.String("line1", maxLength: 200), a.String("line2", maxLength: 200),
            a.String("city", maxLength: 100), a.String("postalCode", maxLength: 20), a.String("country", maxLength: 2)));
        var given = body.Objects("lines", l => new CartLine(l.String("sku", required: true, maxLength: 64) ?? "", l.Int("quantity", required: true) ?? 0));
        if (body.Errors.Count > 0)
            return TypedResults.ValidationProblem(body.Errors);

        var fromCart = given is null;
        var orderId = OrderIdFor(customerId, request.Headers[IdempotencyExtensions.KeyHeader].ToString());
        if (await orders.GetAsync(orderId, cancellationToken) is { } earlier)
        {
            // This key placed its order before, but its answer was lost (a crash or a failure after the order
            // was stored): finish what that request started and answer with the order, never a second one.
            return await AcceptAsync(earlier);
        }
        var lines = given ?? (await carts.GetAsync(customerId, cancellationToken)).Lines;
        if (lines.Count == 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["lines"] = [fromCart ? "your cart is empty" : "at least one line is needed"] });
        for (var i = 0; i < lines.Count; i++)
        {
            if (CartLine.QuantityProblem(lines[i].Quantity) is { } problem)
                body.Fail($"lines[{i}].quantity", problem);
        }
        if (body.Errors.Count > 0)
            return TypedResults.ValidationProblem(body.Errors);

        var customer = (await customers.GetOrCreateAsync(customerId, cancellationToken)).Customer;
        var quotes = await pricing.QuoteLinesAsync(customerId, null, coupon, lines.Select(l => (l.Sku, l.Quantity)).ToList(), cancellationToken);
        for (var i = 0; i < quotes.Count; i++)
        {
            foreach (var (field, messages) in quotes[i].Errors)
                body.Errors[field is "coupon" or "priceList" ? field : $"lines[{i}].{field}"] = messages;
            foreach (var problem in quotes[i].Quote?.Problems ?? [])
                body.Fail($"lines[{i}].{problem.Field}", problem.Message);
        }
        if (body.Errors.Count > 0)
            return TypedResults.ValidationProblem(body.Errors);
        if (CartCurrencies.MixedLines(quotes.Select(q => (q.Quote!.Sku, (string?)q.Quote.Currency)).ToList()) is { Count: > 0 } mixed)
            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Lines in more than one currency",
                detail: "An order is paid in one currency; buy the lines of each currency in an order of its own.",
                extensions: new Dictionary<string, object?> { ["errors"] = mixed.ToDictionary(m => $"lines[{m.Key}]", m => new[] { m.Value }) });

        var currency = quotes[0].Quote!.Currency;
        var total = quotes.Sum(q => q.Quote!.Total);
        if (paymentMethod == PaymentMethods.NetTerms && customer.NetTermsRefusal(total, currency) is { } refusal)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["paymentMethod"] = [refusal] });

        var now = time.GetUtcNow();
        var orderLines = new List<OrderLine>(quotes.Count);
        foreach (var quote in quotes.Select(q => q.Quote!))
            orderLines.Add(new OrderLine(quote.Sku, (await catalog.GetAsync(quote.Sku, cancellationToken))?.Product.Name ?? quote.Sku, quote.Quantity, quote.UnitPrice, quote.Total)
            {
                ListUnitPrice = quote.ListPrice,
            });
        // Redeemed (idempotently, per order) before the order exists, so that a coupon used up meanwhile
        // is a 422 that changes nothing.
        if (coupon is not null && !await coupons.RedeemCouponAsync(coupon, orderId, cancellationToken))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["coupon"] = [$"'{coupon}' has been used up"] });
        var order = new Order
        {
            Id = orderId,
            CustomerId = customerId,
            Status = OrderStatus.Placed,
            Currency = currency,
            Lines = orderLines,
            Total = total,
            PaymentMethod = paymentMethod!,
            Coupon = coupon,
            ShippingAddress = address,
            PlacedAt = now,
            Timeline = [new TimelineEntry(now, "placed")],
        };
        var (placed, _) = await orders.CreateAsync(order, cancellationToken);
        return await AcceptAsync(placed);

        // Once the order is stored, the rest runs to the end even if the caller goes away.
        async Task<Accepted<OrderView>> AcceptAsync(Order placed)
        {
            await OrderLifecycleStarter.StartAsync(orchestrations, placed, timings, CancellationToken.None);
            if (fromCart)
                await carts.ClearAsync(customerId, CancellationToken.None);
            return TypedResults.Accepted($"/api/orders/{placed.Id}", OrderView.From(placed));
        }
    }

    /// <summary>The same customer and key always name the same order.</summary>
    public static string OrderIdFor(string customerId, string idempotencyKey) =>
        "o-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{customerId}\n{idempotencyKey}")))[..24];
}
