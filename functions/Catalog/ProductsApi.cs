using System.Security.Claims;
using Commerce.Catalog.Inventory;
using Commerce.Catalog.Products;
using Commerce.Functions.Http;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Storage.Documents;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Catalog;

/// <summary>Products: anonymous reads and search; writes for admins, guarded by ETags.</summary>
public static class ProductsApi
{
    public static FunctionCatalog MapProductsApi(this FunctionCatalog functions)
    {
        functions.AddHttp("ListProducts", "products", ["GET"], ListProducts,
            configure: e => e.WithSummary("Search and filter products: category (with sub-categories), brand, minPrice/maxPrice, attr.<name>=<value>, inStock, q (SKU, name, description); sort=name|price|newest; pageSize <= 100 with continuationToken or page."));
        functions.AddHttp("GetProduct", "products/{sku}", ["GET"], GetProduct,
            configure: e => e.WithSummary("One product, with its ETag; 304 when If-None-Match is current. Cost is shown to admins only."));
        functions.AddHttp("CreateProduct", "products", ["POST"], CreateProduct,
            configure: e => e.RequireAdmin().WithSummary("Adds a product; attributes are checked against its category's dictionary."));
        functions.AddHttp("ReplaceProduct", "products/{sku}", ["PUT"], ReplaceProduct,
            configure: e => e.RequireAdmin().WithSummary("Replaces a product; needs If-Match with its current ETag."));
        functions.AddHttp("DeleteProduct", "products/{sku}", ["DELETE"], DeleteProduct,
            configure: e => e.RequireAdmin().WithSummary("Removes a product (If-Match optional)."));
        return functions;
    }

    public static async Task<Results<Ok<ProductListing>, ProductListingResult, ValidationProblem>> ListProducts(HttpRequest request, ClaimsPrincipal user, ProductCatalog catalog, StockAvailability stock,
        PublicProductJson publicJson, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var q = request.Query;
        decimal? Number(string name)
        {
            if (q[name].ToString() is not { Length: > 0 } raw)
                return null;
            if (decimal.TryParse(raw, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= 0)
                return value;
            errors[name] = ["must be a number, zero or more"];
            return null;
        }
        int? Whole(string name, int min, int max)
        {
            if (q[name].ToString() is not { Length: > 0 } raw)
                return null;
            if (int.TryParse(raw, out var value) && value >= min && value <= max)
                return value;
            errors[name] = [$"must be a whole number from {min} to {max}"];
            return null;
        }
        var sort = ProductSort.Name;
        if (q["sort"].ToString() is { Length: > 0 } sortText && !Enum.TryParse(sortText, ignoreCase: true, out sort))
            errors["sort"] = ["must be name, price or newest"];
        var query = new ProductQuery
        {
            Category = q["category"].ToString() is { Length: > 0 } category ? category : null,
            Brand = q["brand"].ToString() is { Length: > 0 } brand ? brand : null,
            MinPrice = Number("minPrice"),
            MaxPrice = Number("maxPrice"),
            Attributes = q.Where(p => p.Key.StartsWith("attr.", StringComparison.OrdinalIgnoreCase)).ToDictionary(p => p.Key[5..], p => p.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            InStockOnly = q["inStock"].ToString() is "true" or "1",
            Text = q["q"].ToString() is { Length: > 0 } text ? text : null,
            Sort = sort,
            Descending = q["descending"].ToString() is "true" or "1",
            PageSize = Whole("pageSize", 1, 100) ?? 20,
            Page = Whole("page", 1, 1_000_000),
            ContinuationToken = q["continuationToken"].ToString() is { Length: > 0 } token ? token : null,
            IncludeInactive = user.IsAdmin() && q["includeInactive"].ToString() is "true" or "1",
        };
        if (query.MinPrice > query.MaxPrice)
            errors["minPrice"] = ["must not be above maxPrice"];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);
        try
        {
            var available = query.InStockOnly ? await stock.SnapshotAsync(cancellationToken) : null;
            var page = await catalog.SearchAsync(query, sku => available?.GetValueOrDefault(Skus.Normalize(sku)), cancellationToken);
            if (!user.IsAdmin())
                return publicJson.Listing(page);
            return TypedResults.Ok(new ProductListing(page.Items.Select(p => ProductView.From(p.Product, withCost: true)).ToList(), page.TotalCount, page.ContinuationToken));
        }
        catch (ArgumentException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuationToken"] = [e.Message] });
        }
    }

    public static async Task<Results<Ok<ProductView>, NotFound, StatusCodeHttpResult>> GetProduct(string sku, HttpContext context, ClaimsPrincipal user, ProductCatalog catalog, CancellationToken cancellationToken)
    {
        var stored = await catalog.GetAsync(sku, cancellationToken);
        if (stored is null || (stored.Product.Status != ProductStatus.Active && !user.IsAdmin()))
            return TypedResults.NotFound();
        context.Response.Headers.ETag = stored.ETag;
        if (Preconditions.NotModified(context.Request, stored.ETag))
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Ok(ProductView.From(stored.Product, user.IsAdmin()));
    }

    public static async Task<Results<Created<ProductView>, ValidationProblem, ProblemHttpResult>> CreateProduct(HttpContext context, ProductCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(context.Request);
        var now = time.GetUtcNow();
        var product = ReadProduct(body, null, now, now);
        if (product is null || await ValidateAsync(product, catalog, body, cancellationToken) is { } invalid)
            return TypedResults.ValidationProblem(body.Errors);
        try
        {
            var stored = await catalog.CreateAsync(product, cancellationToken);
            context.Response.Headers.ETag = stored.ETag;
            return TypedResults.Created($"/api/products/{Uri.EscapeDataString(product.Sku)}", ProductView.From(product, true));
        }
        catch (DocumentConflictException)
        {
            return Preconditions.Conflict("SKU exists", $"A product with SKU '{product.Sku}' exists already (SKUs ignore case).");
        }
    }

    public static async Task<Results<Ok<ProductView>, NotFound, ValidationProblem, ProblemHttpResult>> ReplaceProduct(string sku, HttpContext context, ProductCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var existing = await catalog.GetAsync(sku, cancellationToken);
        if (existing is null)
            return TypedResults.NotFound();
        if (Preconditions.IfMatch(context.Request) is not { } ifMatch)
            return Preconditions.Required("product");
        var body = await JsonBody.ReadAsync(context.Request);
        var product = ReadProduct(body, existing.Product.Sku, existing.Product.CreatedAt, time.GetUtcNow());
        if (product is null || await ValidateAsync(product, catalog, body, cancellationToken) is not null)
            return TypedResults.ValidationProblem(body.Errors);
        try
        {
            var stored = await catalog.ReplaceAsync(product, ifMatch, cancellationToken);
            context.Response.Headers.ETag = stored.ETag;
            return TypedResults.Ok(ProductView.From(product, true));
        }
        catch (DocumentPreconditionFailedException)
        {
            return Preconditions.Failed("product");
        }
        catch (DocumentNotFoundException)
        {
            return TypedResults.NotFound();
        }
    }

    public static async Task<Results<NoContent, NotFound, ProblemHttpResult>> DeleteProduct(string sku, HttpRequest request, ProductCatalog catalog, CancellationToken cancellationToken)
    {
        try
        {
            return await catalog.DeleteAsync(sku, Preconditions.IfMatch(request), cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();
        }
        catch (DocumentPreconditionFailedException)
        {
            return Preconditions.Failed("product");
        }
    }

    /// <summary>Reads a product from a request body; the SKU of the URL wins over the body's for a replace.</summary>
    private static Product? ReadProduct(JsonBody body, string? sku, DateTimeOffset createdAt, DateTimeOffset updatedAt)
    {
        var bodySku = body.String("sku", required: sku is null, maxLength: 64);
        if (sku is not null && bodySku is not null && !string.Equals(bodySku, sku, StringComparison.OrdinalIgnoreCase))
            body.Fail("sku", "must match the SKU in the URL");
        var product = new Product
        {
            Sku = sku ?? bodySku ?? "",
            Name = body.String("name", required: true, maxLength: 200) ?? "",
            Description = body.String("description"),
            Category = body.String("category", required: true, maxLength: 64) ?? "",
            Brand = body.String("brand", maxLength: 100),
            Attributes = body.Map("attributes") ?? new Dictionary<string, string>(),
            ImageUrls = body.Strings("imageUrls") ?? [],
            Status = body.Enum<ProductStatus>("status") ?? ProductStatus.Active,
            ListPrice = body.Decimal("listPrice", required: true) ?? 0,
            Currency = (body.String("currency", required: true, maxLength: 3) ?? "").ToUpperInvariant(),
            Cost = body.Decimal("cost"),
            Tags = body.Strings("tags") ?? [],
            MinOrderQuantity = body.Int("minOrderQuantity") ?? 1,
            PackSize = body.Int("packSize") ?? 1,
            CreatedAt = createdAt,
            UpdatedAt = updatedAt,
        };
        return body.Errors.Count == 0 ? product : null;
    }

    private static async Task<Dictionary<string, string[]>?> ValidateAsync(Product product, ProductCatalog catalog, JsonBody body, CancellationToken cancellationToken)
    {
        foreach (var (field, messages) in ProductValidation.Validate(product, await catalog.CategoriesAsync(cancellationToken)))
            body.Errors[field] = messages;
        return body.Errors.Count > 0 ? body.Errors : null;
    }
}

public sealed record ProductListing(IReadOnlyList<ProductView> Items, int TotalCount, string? ContinuationToken);

/// <summary>A product as clients see it; <see cref="Cost"/> only for admins.</summary>
public sealed record ProductView(
    string Sku,
    string Name,
    string? Description,
    string Category,
    string? Brand,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<string> ImageUrls,
    ProductStatus Status,
    decimal ListPrice,
    string Currency,
    IReadOnlyList<string> Tags,
    int MinOrderQuantity,
    int PackSize,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public decimal? Cost { get; init; }

    public static ProductView From(Product p, bool withCost) =>
        new(p.Sku, p.Name, p.Description, p.Category, p.Brand, p.Attributes, p.ImageUrls, p.Status, p.ListPrice, p.Currency, p.Tags, p.MinOrderQuantity, p.PackSize, p.CreatedAt, p.UpdatedAt)
        {
            Cost = withCost ? p.Cost : null,
        };
}
