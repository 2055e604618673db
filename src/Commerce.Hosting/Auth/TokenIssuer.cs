using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Commerce.Hosting.Auth;

/// <summary>Signs tokens with this app's key: for `dev-token`, tests and tools. Not used when an identity provider issues tokens.</summary>
public sealed class TokenIssuer(AuthSettings settings, TimeProvider time)
{
    public string Issue(string subject, IEnumerable<string> roles, TimeSpan? lifetime = null)
    {
        if (settings.SigningKey is null)
            throw new InvalidOperationException($"Tokens come from {settings.Authority}; this app has no signing key.");
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new List<Claim> { new(Roles.SubjectClaim, subject) };
        claims.AddRange(roles.Select(r => new Claim(Roles.RoleClaim, r)));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromHours(12)),
            SigningCredentials = new SigningCredentials(settings.SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }
}
