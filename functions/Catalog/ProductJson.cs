using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Commerce.Catalog.Products;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace Commerce.Functions.Catalog;

/// <summary>
/// The JSON that clients other than admins see for each stored product, made once per product version. A
/// stored product never changes (an edit stores a new one), so listings write these bytes instead of
/// serializing the same products again for every request.
/// </summary>
public sealed class PublicProductJson(IOptions<JsonOptions> json)
{
    private readonly ConditionalWeakTable<StoredProduct, byte[]> _made = new();

    public byte[] Of(StoredProduct stored) =>
        _made.GetValue(stored, s => JsonSerializer.SerializeToUtf8Bytes(ProductView.From(s.Product, withCost: false), json.Value.SerializerOptions));

    public ProductListingResult Listing(ProductPage page) =>
        new(page.Items.Select(Of).ToList(), page.TotalCount, page.ContinuationToken, json.Value.SerializerOptions.PropertyNamingPolicy);
}

/// <summary>A <see cref="ProductListing"/> answered from its products' ready-made JSON.</summary>
public sealed class ProductListingResult(IReadOnlyList<byte[]> items, int totalCount, string? continuationToken, JsonNamingPolicy? naming) : IResult, IEndpointMetadataProvider
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        string Name(string property) => naming?.ConvertName(property) ?? property;
        await using (var writer = new Utf8JsonWriter(response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteStartArray(Name(nameof(ProductListing.Items)));
            foreach (var item in items)
                writer.WriteRawValue(item, skipInputValidation: true);
            writer.WriteEndArray();
            writer.WriteNumber(Name(nameof(ProductListing.TotalCount)), totalCount);
            writer.WriteString(Name(nameof(ProductListing.ContinuationToken)), continuationToken);
            writer.WriteEndObject();
        }
        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(ProductListing), ["application/json"]));
}
