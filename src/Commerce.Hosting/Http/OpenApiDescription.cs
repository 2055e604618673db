using Commerce.Hosting.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Commerce.Hosting.Http;

/// <summary>Names the API, declares bearer tokens, and marks which operations need them (and which role).</summary>
internal sealed class OpenApiDescription : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Commerce API",
            Version = "v1",
            Description = "Catalog, pricing, inventory, cart, checkout and orders for retail and B2B wholesale shops. Send `Authorization: Bearer <token>` where an operation asks for it.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = $"A JWT whose 'sub' is the caller and whose '{Roles.RoleClaim}' claims hold '{Roles.Customer}' or '{Roles.Admin}'.",
        };
        foreach (var description in context.DescriptionGroups.SelectMany(g => g.Items))
        {
            var policies = description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Select(a => a.Policy).Where(p => p is not null).ToList();
            if (policies.Count == 0)
                continue;
            var path = "/" + description.RelativePath?.TrimEnd('/');
            if (document.Paths.TryGetValue(path, out var item) && item.Operations is { } operations
                && operations.FirstOrDefault(o => string.Equals(o.Key.ToString(), description.HttpMethod, StringComparison.OrdinalIgnoreCase)).Value is { } operation)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
                operation.Description = $"{operation.Description} Requires the '{string.Join("', '", policies)}' role.".Trim();
            }
        }
        return Task.CompletedTask;
    }
}
