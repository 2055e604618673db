using System.Globalization;
using Commerce.Catalog.Categories;
using Commerce.Catalog.Pricing;

namespace Commerce.Catalog.Products;

/// <summary>What makes a product acceptable; the errors name the fields as clients send them.</summary>
public static class ProductValidation
{
    public static Dictionary<string, string[]> Validate(Product product, CategoryTree categories)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
                errors[field] = list = [];
            list.Add(message);
        }

        if (!Skus.IsValid(product.Sku))
            Add("sku", "must be 1-64 letters, digits, '-', '_' or '.'");
        if (string.IsNullOrWhiteSpace(product.Name) || product.Name.Length > 200)
            Add("name", "is required, at most 200 characters");
        if (product.ListPrice < 0)
            Add("listPrice", "must be zero or more");
        if (product.Cost < 0)
            Add("cost", "must be zero or more");
        if (!Currencies.IsKnown(product.Currency))
            Add("currency", $"must be an ISO 4217 code this shop accepts ({string.Join(", ", Currencies.All)})");
        else if (decimal.Round(product.ListPrice, Currencies.MinorUnitsOf(product.Currency) + 2) != product.ListPrice)
            Add("listPrice", $"has more decimals than {product.Currency} prices may have");
        if (product.MinOrderQuantity < 1)
            Add("minOrderQuantity", "must be at least 1");
        if (product.PackSize < 1)
            Add("packSize", "must be at least 1");
        if (product.ImageUrls.Any(u => !Uri.TryCreate(u, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
            Add("imageUrls", "must be absolute http(s) URLs");

        if (categories.Find(product.Category) is null)
        {
            Add("category", $"'{product.Category}' is not a known category");
        }
        else
        {
            var dictionary = categories.AttributesOf(product.Category).ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in product.Attributes)
            {
                if (!dictionary.TryGetValue(name, out var definition))
                    Add($"attributes.{name}", $"is not in the attribute dictionary of '{product.Category}'");
                else if (Problem(definition, value) is { } problem)
                    Add($"attributes.{name}", problem);
            }
            foreach (var required in dictionary.Values.Where(d => d.Required && !product.Attributes.ContainsKey(d.Name)))
                Add($"attributes.{required.Name}", $"is required in '{product.Category}'");
        }
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    private static string? Problem(AttributeDefinition definition, string value) => definition.Type switch
    {
        AttributeType.Number when !decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out _) => "must be a number",
        AttributeType.Boolean when value is not ("true" or "false") => "must be true or false",
        AttributeType.Enum when definition.AllowedValues?.Contains(value, StringComparer.OrdinalIgnoreCase) != true =>
            $"must be one of {string.Join(", ", definition.AllowedValues ?? [])}",
        AttributeType.Text when value.Length > 200 => "must be at most 200 characters",
        _ => null,
    };
}
