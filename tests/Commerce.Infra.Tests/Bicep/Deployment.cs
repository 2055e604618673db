using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Commerce.Infra.Tests.Bicep;

/// <summary>A role assignment as a deployment would create it: on what, which role, for whom.</summary>
/// <param name="Role">the role definition's GUID (Azure RBAC) or the Cosmos DB SQL role definition's id.</param>
public sealed record RoleGrant(string Scope, string Role, string PrincipalId, string? PrincipalType);

/// <summary>
/// A Bicep deployment snapshot: the resources a parameter file would deploy, modules flattened and loops and
/// conditions expanded. Values known only in Azure stay ARM expressions, e.g. [reference('&lt;id&gt;', ...).clientId].
/// </summary>
public sealed partial class Deployment(JsonObject snapshot, string resourceGroupId)
{
    private const string RoleAssignments = "/providers/Microsoft.Authorization/roleAssignments/";

    public string ResourceGroupId { get; } = resourceGroupId;

    public IReadOnlyList<JsonObject> Resources { get; } = snapshot["predictedResources"]!.AsArray().Select(r => r!.AsObject()).ToList();

    public JsonObject Outputs { get; } = snapshot["outputs"]!.AsObject();

    public JsonArray Diagnostics { get; } = snapshot["diagnostics"]!.AsArray();

    public IEnumerable<JsonObject> OfType(string type) => Resources.Where(r => string.Equals((string?)r["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject Single(string type) => Assert.Single(OfType(type));

    public JsonObject Site => Single("Microsoft.Web/sites");

    public IReadOnlyDictionary<string, string> AppSettings =>
        Site["properties"]!["siteConfig"]!["appSettings"]!.AsArray().ToDictionary(s => (string)s!["name"]!, s => (string)s!["value"]!, StringComparer.Ordinal);

    public string IdentityId => (string)Single("Microsoft.ManagedIdentity/userAssignedIdentities")["id"]!;

    /// <summary>What the snapshot shows for a property of the app's identity that only Azure knows (principalId, clientId).</summary>
    public string IdentityProperty(string property) => $"[reference('{IdentityId}', '2023-01-31').{property}]";

    /// <summary>Azure RBAC assignments (scope taken from the assignment's id) and Cosmos DB data-plane assignments.</summary>
    public IReadOnlyList<RoleGrant> Grants =>
    [
        .. OfType("Microsoft.Authorization/roleAssignments").Select(r =>
        {
            var id = (string)r["id"]!;
            var properties = r["properties"]!;
            return new RoleGrant(id[..id.IndexOf(RoleAssignments, StringComparison.OrdinalIgnoreCase)],
                ((string)properties["roleDefinitionId"]!).Split('/')[^1], (string)properties["principalId"]!, (string?)properties["principalType"]);
        }),
        .. OfType("Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments").Select(r => new RoleGrant(
            (string)r["properties"]!["scope"]!, (string)r["properties"]!["roleDefinitionId"]!, (string)r["properties"]!["principalId"]!, null)),
    ];

    public string ResourceId(string type, string name) => $"{ResourceGroupId}/providers/{type}/{name}";

    /// <summary>The resource ids an ARM expression reads with reference('...').</summary>
    public static IEnumerable<string> ReferencedIds(string expression) => ReferenceCall().Matches(expression).Select(m => m.Groups["id"].Value);

    [GeneratedRegex(@"reference\('(?<id>/subscriptions/[^']+)'")]
    private static partial Regex ReferenceCall();
}
