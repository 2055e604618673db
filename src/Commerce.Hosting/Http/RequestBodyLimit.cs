using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Commerce.Hosting.Http;

/// <summary>Endpoint metadata that raises or lowers the request body limit for one function.</summary>
public sealed record RequestBodyLimit(long MaxBytes);

public static class RequestBodyLimitExtensions
{
    public static RouteHandlerBuilder WithRequestBodyLimit(this RouteHandlerBuilder builder, long maxBytes) =>
        builder.WithMetadata(new RequestBodyLimit(maxBytes));
}

/// <summary>
/// Applies the body limit of the matched endpoint (or the app default) and answers 413 problem details
/// before any handler runs when the declared length is already too large; chunked bodies are cut off
/// by the server at the same limit.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, long defaultMaxBytes)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<RequestBodyLimit>()?.MaxBytes ?? defaultMaxBytes;
        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
            feature.MaxRequestBodySize = limit;
        if (context.Request.ContentLength > limit)
        {
            // The body will not be read, so the connection cannot carry another request: say so, or a client reuses it.
            context.Response.Headers.Connection = "close";
            await Results.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "Request body too large",
                detail: $"The request body has {context.Request.ContentLength} bytes; this endpoint accepts at most {limit}.").ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}
