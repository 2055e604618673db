using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Commerce.Hosting.Http;

/// <summary>
/// JSON travels as UTF-8 (RFC 8259, section 8.1) and is read as such. A JSON body that says it is in another charset,
/// or in one nobody knows, is 415 problem details before any handler reads it; one that says UTF-8 reaches handlers without the charset.
/// </summary>
internal sealed class JsonCharsetMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type)
            && (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || type.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))
            && type.Charset.HasValue)
        {
            if (!IsUtf8(HeaderUtilities.RemoveQuotes(type.Charset).Value))
            {
                return Results.Problem(
                    statusCode: StatusCodes.Status415UnsupportedMediaType,
                    title: "Unsupported charset",
                    detail: $"JSON is read as UTF-8; this body says it is '{type.Charset}'. Send it as UTF-8.").ExecuteAsync(context);
            }
            // The framework's body binding takes the charset as written, and "UTF-8" in quotes is no encoding it knows.
            context.Request.ContentType = type.MediaType.Value;
        }
        return next(context);
    }

    private static bool IsUtf8(string? charset) =>
        string.Equals(charset, "utf-8", StringComparison.OrdinalIgnoreCase) || string.Equals(charset, "utf8", StringComparison.OrdinalIgnoreCase);
}
