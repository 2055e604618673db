using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Commerce.Hosting.Auth;

/// <summary>The two roles of the system and the policies endpoints ask for.</summary>
public static class Roles
{
    public const string Customer = "customer";
    public const string Admin = "admin";

    /// <summary>Claim names: the token's subject is the customer id; roles come in "role" (or "roles").</summary>
    public const string SubjectClaim = "sub";
    public const string RoleClaim = "role";
}

public static class AuthPolicies
{
    /// <summary>Any signed-in caller: a customer, or an admin acting in the shop.</summary>
    public const string Customer = "customer";
    public const string Admin = "admin";

    public static RouteHandlerBuilder RequireAdmin(this RouteHandlerBuilder endpoint) => endpoint.RequireAuthorization(Admin);

    public static RouteHandlerBuilder RequireCustomer(this RouteHandlerBuilder endpoint) => endpoint.RequireAuthorization(Customer);

    public static string? SubjectId(this ClaimsPrincipal user) => user.FindFirstValue(Roles.SubjectClaim);

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);
}

internal static class AuthSetup
{
    /// <summary>
    /// Registers bearer authentication with settings read on first use, so commands that serve no requests
    /// (generate-metadata) need none; the app reads them before it starts serving.
    /// </summary>
    public static void AddBearerAuthentication(this IServiceCollection services, Func<AuthSettings> readSettings)
    {
        services.AddSingleton(_ => readSettings());
        services.AddSingleton<TokenIssuer>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<AuthSettings>((options, settings) =>
        {
            options.MapInboundClaims = false;
            if (settings.Authority is not null)
                options.Authority = settings.Authority;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidateIssuer = true,
                ValidIssuer = settings.Authority is null ? settings.Issuer : null,
                ValidateAudience = true,
                ValidAudience = settings.Audience,
                ValidateLifetime = true,
                ClockSkew = TimeSpan.FromMinutes(1),
                IssuerSigningKey = settings.SigningKey,
                ValidateIssuerSigningKey = true,
                NameClaimType = Roles.SubjectClaim,
                RoleClaimType = Roles.RoleClaim,
            };
            options.Events = new JwtBearerEvents
            {
                OnTokenValidated = context =>
                {
                    // Entra ID puts app roles in "roles"; make them count as "role".
                    if (context.Principal?.Identity is ClaimsIdentity identity)
                    {
                        foreach (var role in identity.FindAll("roles").ToList())
                            identity.AddClaim(new Claim(Roles.RoleClaim, role.Value));
                    }
                    return Task.CompletedTask;
                },
            };
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Admin))
            .AddPolicy(AuthPolicies.Customer, policy => policy.RequireAuthenticatedUser().RequireClaim(Roles.SubjectClaim));
    }
}
