using Commerce.Catalog.Categories;
using Commerce.Catalog.Products;
using Commerce.Functions.Http;
using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Catalog;

/// <summary>The category tree with each category's attribute dictionary.</summary>
public static class CategoriesApi
{
    public static FunctionCatalog MapCategoriesApi(this FunctionCatalog functions)
    {
        functions.AddHttp("ListCategories", "categories", ["GET"], ListCategories,
            configure: e => e.WithSummary("Every category with its parent and attribute dictionary."));
        functions.AddHttp("PutCategory", "categories/{id}", ["PUT"], PutCategory,
            configure: e => e.RequireAdmin().WithSummary("Creates or replaces a category, attribute dictionary included."));
        return functions;
    }

    public static async Task<Ok<IReadOnlyList<Category>>> ListCategories(ProductCatalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<Category>>((await catalog.CategoriesAsync(cancellationToken)).All.OrderBy(c => c.Id, StringComparer.Ordinal).ToList());

    public static async Task<Results<Ok<Category>, ValidationProblem>> PutCategory(string id, HttpRequest request, ProductCatalog catalog, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(request);
        var category = new Category
        {
            Id = id,
            Name = body.String("name", required: true, maxLength: 100) ?? "",
            ParentId = body.String("parentId", maxLength: 64),
            Attributes = body.Objects("attributes", a => new AttributeDefinition(
                a.String("name", required: true, maxLength: 64) ?? "",
                a.Enum<AttributeType>("type", required: true) ?? AttributeType.Text,
                a.Strings("allowedValues"),
                a.Bool("required") ?? false)) ?? [],
        };
        foreach (var (field, messages) in (await catalog.CategoriesAsync(cancellationToken)).Validate(category))
            body.Errors[field] = messages;
        if (body.Errors.Count > 0)
            return TypedResults.ValidationProblem(body.Errors);
        return TypedResults.Ok(await catalog.PutCategoryAsync(category, cancellationToken));
    }
}
