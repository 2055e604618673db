using System.Security.Claims;
using Commerce.Catalog.Customers;
using Commerce.Catalog.Pricing;
using Commerce.Functions.Http;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Storage.Documents;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Catalog;

/// <summary>Customer accounts: customers edit their own harmless details; admins manage commercial terms.</summary>
public static class CustomersApi
{
    public static FunctionCatalog MapCustomersApi(this FunctionCatalog functions)
    {
        functions.AddHttp("GetMyAccount", "customers/me", ["GET"], GetMe,
            configure: e => e.RequireCustomer().WithSummary("Your account; the first call creates it."));
        functions.AddHttp("UpdateMyAccount", "customers/me", ["PATCH"], PatchMe,
            configure: e => e.RequireCustomer().WithSummary("Changes your name and email; commercial terms are set by the shop."));
        functions.AddHttp("ListCustomers", "customers", ["GET"], ListCustomers,
            configure: e => e.RequireAdmin().WithSummary("Accounts, newest first, filtered by kind and price list."));
        functions.AddHttp("GetCustomer", "customers/{id}", ["GET"], GetCustomer,
            configure: e => e.RequireAdmin().WithSummary("One account with its ETag."));
        functions.AddHttp("PutCustomer", "customers/{id}", ["PUT"], PutCustomer,
            configure: e => e.RequireAdmin().WithSummary("Creates or replaces an account with its commercial terms; If-Match makes the replace conditional."));
        return functions;
    }

    public static async Task<Ok<Customer>> GetMe(ClaimsPrincipal user, HttpContext context, CustomerService customers, CancellationToken cancellationToken)
    {
        var (customer, etag) = await customers.GetOrCreateAsync(user.SubjectId()!, cancellationToken);
        context.Response.Headers.ETag = etag;
        return TypedResults.Ok(customer);
    }

    public static async Task<Results<Ok<Customer>, ValidationProblem, ProblemHttpResult>> PatchMe(ClaimsPrincipal user, HttpContext context, CustomerService customers, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request);
        foreach (var forbidden in new[] { "kind", "priceListId", "creditLimit", "creditCurrency", "paymentTermsDays", "membershipTier", "companyName", "industry", "companySize", "country", "id", "createdAt" })
        {
            if (body.Has(forbidden))
                body.Fail(forbidden, "is set by the shop, not by the customer");
        }
        var name = body.String("name", maxLength: 200);
        var email = body.String("email", maxLength: 254);
        if (email is not null && !email.Contains('@', StringComparison.Ordinal))
            body.Fail("email", "must be an email address");
        if (body.Errors.Count > 0)
            return TypedResults.ValidationProblem(body.Errors);
        var (current, etag) = await customers.GetOrCreateAsync(user.SubjectId()!, cancellationToken);
        try
        {
            var (updated, newETag) = await customers.PutAsync(current with { Name = name ?? current.Name, Email = email ?? current.Email },
                Preconditions.IfMatch(context.Request) ?? etag, cancellationToken);
            context.Response.Headers.ETag = newETag;
            return TypedResults.Ok(updated);
        }
        catch (DocumentPreconditionFailedException)
        {
            return Preconditions.Failed("account");
        }
    }

    public static async Task<Results<Ok<CustomerPage>, ValidationProblem>> ListCustomers(string? kind, string? priceList, int? pageSize, string? continuationToken, CustomerService customers, CancellationToken cancellationToken)
    {
        CustomerKind? wanted = null;
        if (kind is not null)
        {
            if (Enum.TryParse<CustomerKind>(kind, true, out var parsed) && !char.IsAsciiDigit(kind[0]))
                wanted = parsed;
            else
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = ["must be consumer or business"] });
        }
        if (pageSize is < 1 or > 100)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["pageSize"] = ["must be between 1 and 100"] });
        try
        {
            var (items, next) = await customers.ListAsync(wanted, priceList, pageSize ?? 50, continuationToken, cancellationToken);
            return TypedResults.Ok(new CustomerPage(items, next));
        }
        catch (ArgumentException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = [e.Message] });
        }
    }

    public static async Task<Results<Ok<Customer>, NotFound>> GetCustomer(string id, HttpContext context, CustomerService customers, CancellationToken cancellationToken)
    {
        if (await customers.GetAsync(id, cancellationToken) is not { } found)
            return TypedResults.NotFound();
        context.Response.Headers.ETag = found.ETag;
        return TypedResults.Ok(found.Customer);
    }

    public static async Task<Results<Ok<Customer>, ValidationProblem, ProblemHttpResult>> PutCustomer(string id, HttpContext context, CustomerService customers, PricingStore pricing, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request);
        var existing = await customers.GetAsync(id, cancellationToken);
        var customer = new Customer
        {
            Id = id,
            Kind = body.Enum<CustomerKind>("kind") ?? CustomerKind.Consumer,
            Name = body.String("name", maxLength: 200),
            Email = body.String("email", maxLength: 254),
            CompanyName = body.String("companyName", maxLength: 200),
            Industry = body.String("industry", maxLength: 100),
            CompanySize = body.String("companySize", maxLength: 16),
            Country = body.String("country", maxLength: 100),
            PriceListId = body.String("priceListId", maxLength: 64),
            CreditLimit = body.Decimal("creditLimit"),
            CreditCurrency = body.String("creditCurrency", maxLength: 3)?.ToUpperInvariant(),
            PaymentTermsDays = body.Int("paymentTermsDays"),
            MembershipTier = body.Enum<MembershipTier>("membershipTier") ?? MembershipTier.None,
            CreatedAt = existing?.Customer.CreatedAt ?? time.GetUtcNow(),
        };
        if (!DocumentRules.IsValidKey(id))
            body.Fail("id", "is not an id an account can have (at most 255 characters, without '/', '\\', '?', '#' or control characters)");
        if (customer.CreditLimit < 0)
            body.Fail("creditLimit", "must be zero or more");
        if (customer.CreditCurrency is not null && !Currencies.IsKnown(customer.CreditCurrency))
            body.Fail("creditCurrency", $"'{customer.CreditCurrency}' is not a currency this shop accepts");
        else if ((customer.CreditLimit is null) != (customer.CreditCurrency is null))
            body.Fail("creditCurrency", "comes with creditLimit: the limit is an amount in this currency");
        if (customer.PaymentTermsDays is < 0 or > 365)
            body.Fail("paymentTermsDays", "must be between 0 and 365");
        if (customer.CompanySize is not null && !CompanySizes.Bands.Contains(customer.CompanySize))
            body.Fail("companySize", $"must be one of {string.Join(", ", CompanySizes.Bands)}");
        if (customer.Kind == CustomerKind.Business && string.IsNullOrWhiteSpace(customer.CompanyName))
            body.Fail("companyName", "is required for a business");
        if (customer.PriceListId is not null && await pricing.GetPriceListAsync(customer.PriceListId, cancellationToken) is null)
            body.Fail("priceListId", $"'{customer.PriceListId}' is not a price list");
        if (body.Errors.Count > 0)
            return TypedResults.ValidationProblem(body.Errors);
        try
        {
            var (saved, etag) = await customers.PutAsync(customer, Preconditions.IfMatch(context.Request), cancellationToken);
            context.Response.Headers.ETag = etag;
            return TypedResults.Ok(saved);
        }
        catch (Exception e) when (e is DocumentPreconditionFailedException or DocumentNotFoundException)
        {
            return Preconditions.Failed("account");
        }
    }
}

public sealed record CustomerPage(IReadOnlyList<Customer> Customers, string? ContinuationToken);
