using System.Text.Json.Nodes;
using Commerce.Infra.Tests.Bicep;

namespace Commerce.Infra.Tests;

/// <summary>Who may do what: the app's identity reaches each store it is configured for, with the narrowest built-in role, and nothing more.</summary>
[Collection(InfraCollection.Name)]
public sealed class AccessTests(InfraFixture infra)
{
    // Built-in role ids, as Microsoft publishes them.
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string ServiceBusDataSender = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string KeyVaultSecretsOfficer = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
    private const string CosmosBuiltInDataContributor = "00000000-0000-0000-0000-000000000002";

    public static TheoryData<string> Environments => ["dev", "prod"];

    private Deployment For(string environment) => environment == "dev" ? infra.Dev : infra.Prod;

    [Theory]
    [MemberData(nameof(Environments))]
    public void Each_store_the_app_settings_point_at_grants_the_apps_identity_its_data_role(string environment)
    {
        var deployment = For(environment);
        var settings = deployment.AppSettings;
        var principal = deployment.IdentityProperty("principalId");
        var grants = deployment.Grants.Where(g => g.PrincipalId == principal).ToList();
        bool Has(string scope, string role) => grants.Any(g => string.Equals(g.Scope, scope, StringComparison.OrdinalIgnoreCase) && g.Role == role);

        var storage = deployment.ResourceId("Microsoft.Storage/storageAccounts", settings["AzureWebJobsStorage__accountName"]);
        Assert.True(Has(storage, StorageBlobDataOwner), "blobs (and the Functions host's leases and keys)");
        Assert.True(Has(storage, StorageQueueDataContributor), "queues");
        Assert.Contains($"'{settings["AzureWebJobsStorage__accountName"]}'", settings["WEBSITE_RUN_FROM_PACKAGE"]);
        Assert.Equal(deployment.IdentityId, settings["WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID"]);

        var cosmos = Assert.Single(Deployment.ReferencedIds(settings["CosmosDb__accountEndpoint"]));
        Assert.True(Has($"{cosmos}/dbs/{settings["Storage__CosmosDatabase"]}", $"{cosmos}/sqlRoleDefinitions/{CosmosBuiltInDataContributor}"), "documents in the app's database");

        var serviceBus = Assert.Single(Deployment.ReferencedIds(settings["ServiceBus__fullyQualifiedNamespace"]));
        Assert.True(Has($"{serviceBus}/topics/commerce-events", ServiceBusDataSender), "publishing to the events topic");

        var vaults = settings.Values.Select(v => AppSettingsTests.KeyVaultReference().Match(v)).Where(m => m.Success).Select(m => m.Groups["vault"].Value).Distinct().ToList();
        Assert.NotEmpty(vaults);
        Assert.All(vaults, vault => Assert.True(Has(deployment.ResourceId("Microsoft.KeyVault/vaults", vault), KeyVaultSecretsUser), $"secrets in {vault}"));
        Assert.Equal(deployment.IdentityId, (string)deployment.Site["properties"]!["keyVaultReferenceIdentity"]!);

        var insights = Assert.Single(Deployment.ReferencedIds(settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]));
        Assert.True(Has(insights, MonitoringMetricsPublisher), "telemetry");
        Assert.Equal($"ClientId={deployment.IdentityProperty("clientId")[1..^1]};Authorization=AAD", Unformat(settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]));

        Assert.All(new[] { "AzureWebJobsStorage__clientId", "CosmosDb__clientId", "ServiceBus__clientId", "AZURE_CLIENT_ID" },
            name => Assert.Equal(deployment.IdentityProperty("clientId"), settings[name]));
        Assert.Equal([deployment.IdentityId], deployment.Site["identity"]!["userAssignedIdentities"]!.AsObject().Select(i => i.Key));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_apps_identity_has_those_roles_only_each_on_a_single_resource(string environment)
    {
        var deployment = For(environment);
        var grants = deployment.Grants.Where(g => g.PrincipalId == deployment.IdentityProperty("principalId")).ToList();

        Assert.Equal(
            new[] { CosmosBuiltInDataContributor, KeyVaultSecretsUser, MonitoringMetricsPublisher, ServiceBusDataSender, StorageBlobDataOwner, StorageQueueDataContributor }.Order(),
            grants.Select(g => g.Role.Split('/')[^1]).Order());
        Assert.All(grants, g => Assert.StartsWith(deployment.ResourceGroupId + "/providers/", g.Scope, StringComparison.OrdinalIgnoreCase));
        Assert.All(deployment.Grants, g => Assert.NotEqual(deployment.ResourceGroupId, g.Scope, StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_person_who_deploys_may_upload_packages_and_set_secrets_and_nothing_else()
    {
        var deployer = infra.Prod.Grants.Where(g => g.PrincipalId == InfraFixture.DeployerPrincipalId).ToList();
        var storage = Assert.Single(infra.Prod.OfType("Microsoft.Storage/storageAccounts"));
        var vault = Assert.Single(infra.Prod.OfType("Microsoft.KeyVault/vaults"));
        var packages = Assert.Single(infra.Prod.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"));

        Assert.Equal(2, deployer.Count);
        Assert.Contains(deployer, g => g.Scope == (string)packages["id"]! && g.Role == StorageBlobDataContributor && g.PrincipalType == "User");
        Assert.Contains(deployer, g => g.Scope == (string)vault["id"]! && g.Role == KeyVaultSecretsOfficer && g.PrincipalType == "User");
        Assert.Equal("None", (string?)packages["properties"]!["publicAccess"]);
        Assert.StartsWith((string)storage["id"]!, (string)packages["id"]!);
        Assert.DoesNotContain(infra.Dev.Grants, g => g.PrincipalId != infra.Dev.IdentityProperty("principalId"));
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void No_store_accepts_keys_only_identities(string environment)
    {
        var deployment = For(environment);

        Assert.False((bool)Properties(deployment, "Microsoft.Storage/storageAccounts")["allowSharedKeyAccess"]!);
        Assert.True((bool)Properties(deployment, "Microsoft.DocumentDB/databaseAccounts")["disableLocalAuth"]!);
        Assert.True((bool)Properties(deployment, "Microsoft.DocumentDB/databaseAccounts")["disableKeyBasedMetadataWriteAccess"]!);
        Assert.True((bool)Properties(deployment, "Microsoft.ServiceBus/namespaces")["disableLocalAuth"]!);
        Assert.True((bool)Properties(deployment, "Microsoft.Insights/components")["DisableLocalAuth"]!);
        Assert.True((bool)Properties(deployment, "Microsoft.OperationalInsights/workspaces")["features"]!["disableLocalAuth"]!);
        Assert.True((bool)Properties(deployment, "Microsoft.KeyVault/vaults")["enableRbacAuthorization"]!);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Https_only_with_TLS_1_2_or_later_no_FTP_and_no_public_blobs(string environment)
    {
        var deployment = For(environment);
        var site = deployment.Site["properties"]!;
        var storage = Properties(deployment, "Microsoft.Storage/storageAccounts");

        Assert.True((bool)site["httpsOnly"]!);
        Assert.Equal("1.2", (string?)site["siteConfig"]!["minTlsVersion"]);
        Assert.Equal("1.2", (string?)site["siteConfig"]!["scmMinTlsVersion"]);
        Assert.Equal("Disabled", (string?)site["siteConfig"]!["ftpsState"]);
        Assert.Equal(["ftp", "scm"], deployment.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies")
            .Where(p => !(bool)p["properties"]!["allow"]!).Select(p => ((string)p["name"]!).Split('/')[^1]).Order());
        Assert.False((bool)storage["allowBlobPublicAccess"]!);
        Assert.True((bool)storage["supportsHttpsTrafficOnly"]!);
        Assert.Equal("TLS1_2", (string?)storage["minimumTlsVersion"]);
        Assert.Equal("Tls12", (string?)Properties(deployment, "Microsoft.DocumentDB/databaseAccounts")["minimalTlsVersion"]);
        Assert.Equal("1.2", (string?)Properties(deployment, "Microsoft.ServiceBus/namespaces")["minimumTlsVersion"]);
    }

    private static JsonNode Properties(Deployment deployment, string type) => deployment.Single(type)["properties"]!;

    /// <summary>[format('a{0}b', x)] as a{x}b, so a setting built from a runtime value can be compared.</summary>
    private static string Unformat(string expression)
    {
        var match = System.Text.RegularExpressions.Regex.Match(expression, @"^\[format\('(?<template>[^']*)', (?<argument>.+)\)\]$");
        Assert.True(match.Success, expression);
        return match.Groups["template"].Value.Replace("{0}", match.Groups["argument"].Value, StringComparison.Ordinal);
    }
}
