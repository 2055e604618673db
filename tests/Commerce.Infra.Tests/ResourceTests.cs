using System.Text.Json.Nodes;
using Commerce.Functions;
using Commerce.Infra.Tests.Bicep;
using Commerce.Storage.Documents.Cosmos;

namespace Commerce.Infra.Tests;

[Collection(InfraCollection.Name)]
public sealed class ResourceTests(InfraFixture infra)
{
    public static TheoryData<string, string> ParameterFiles => new() { { "dev", "main.dev.bicepparam" }, { "prod", "main.prod.bicepparam" } };

    public static TheoryData<string> Environments => ["dev", "prod"];

    private Deployment For(string environment) => environment == "dev" ? infra.Dev : infra.Prod;

    [Theory]
    [MemberData(nameof(ParameterFiles))]
    public void Elastic_Premium_keeps_the_parameter_files_always_ready_instances_warm(string environment, string parameterFile)
    {
        var deployment = For(environment);
        var parameters = infra.Parameters(parameterFile);
        var plan = deployment.Single("Microsoft.Web/serverfarms");
        var siteConfig = deployment.Site["properties"]!["siteConfig"]!;

        Assert.Equal("ElasticPremium", (string?)plan["sku"]!["tier"]);
        Assert.Equal((string?)parameters["planSku"]!["value"], (string?)plan["sku"]!["name"]);
        Assert.Equal((int)parameters["alwaysReadyInstances"]!["value"]!, (int)siteConfig["minimumElasticInstanceCount"]!);
        Assert.True((int)siteConfig["minimumElasticInstanceCount"]! >= 1);
        Assert.Equal((int)parameters["maximumInstances"]!["value"]!, (int)siteConfig["functionAppScaleLimit"]!);
        Assert.Equal((int)parameters["maximumInstances"]!["value"]!, (int)plan["properties"]!["maximumElasticWorkerCount"]!);
    }

    [Fact]
    public void The_plan_is_a_parameter_and_a_Dedicated_plan_keeps_its_instances_on()
    {
        var plan = infra.Dedicated.Single("Microsoft.Web/serverfarms");
        var siteConfig = infra.Dedicated.Site["properties"]!["siteConfig"]!.AsObject();

        Assert.Equal(("P1v3", "PremiumV3", 2), ((string)plan["sku"]!["name"]!, (string)plan["sku"]!["tier"]!, (int)plan["sku"]!["capacity"]!));
        Assert.True((bool)plan["properties"]!["reserved"]!);
        Assert.True((bool)siteConfig["alwaysOn"]!);
        Assert.Null(siteConfig["minimumElasticInstanceCount"]);
    }

    [Theory]
    [MemberData(nameof(Environments))]
    public void Cosmos_DB_has_every_container_the_app_declares_partitioned_on_the_adapters_key(string environment)
    {
        var deployment = For(environment);
        var declared = CommerceApp.CreateBuilder([]).DocumentContainers.Names;
        var database = deployment.Single("Microsoft.DocumentDB/databaseAccounts/sqlDatabases");
        var containers = deployment.OfType("Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers").ToList();

        Assert.NotEmpty(declared);
        Assert.Equal(declared.Order(StringComparer.Ordinal), containers.Select(c => ((string)c["name"]!).Split('/')[^1]).Order(StringComparer.Ordinal));
        Assert.All(containers, c =>
        {
            Assert.StartsWith((string)database["name"]! + "/", (string)c["name"]!);
            Assert.Equal([CosmosDocumentStore.PartitionKeyPath], c["properties"]!["resource"]!["partitionKey"]!["paths"]!.AsArray().Select(p => (string)p!));
        });
        Assert.Equal(deployment.AppSettings["Storage__CosmosDatabase"], ((string)database["name"]!).Split('/')[^1]);
    }

    [Fact]
    public void Cosmos_DB_is_serverless_in_dev_and_autoscales_in_prod()
    {
        var devAccount = infra.Dev.Single("Microsoft.DocumentDB/databaseAccounts")["properties"]!;
        var prodAccount = infra.Prod.Single("Microsoft.DocumentDB/databaseAccounts")["properties"]!;
        var devDatabase = infra.Dev.Single("Microsoft.DocumentDB/databaseAccounts/sqlDatabases")["properties"]!;
        var prodDatabase = infra.Prod.Single("Microsoft.DocumentDB/databaseAccounts/sqlDatabases")["properties"]!;

        Assert.Contains("EnableServerless", devAccount["capabilities"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Null(devDatabase["options"]?["autoscaleSettings"]);
        Assert.DoesNotContain("EnableServerless", prodAccount["capabilities"]!.AsArray().Select(c => (string)c!["name"]!));
        Assert.Equal((int)infra.Parameters("main.prod.bicepparam")["cosmosMaxThroughput"]!["value"]!, (int)prodDatabase["options"]!["autoscaleSettings"]!["maxThroughput"]!);
    }

    [Theory]
    [MemberData(nameof(ParameterFiles))]
    public void The_events_topic_has_a_subscription_per_consumer_and_recognises_repeated_event_ids(string environment, string parameterFile)
    {
        var deployment = For(environment);
        var topic = deployment.Single("Microsoft.ServiceBus/namespaces/topics");
        var consumers = infra.Parameters(parameterFile)["eventConsumers"]!["value"]!.AsArray().Select(c => (string)c!).ToList();
        var subscriptions = deployment.OfType("Microsoft.ServiceBus/namespaces/topics/subscriptions").ToList();

        Assert.EndsWith("/commerce-events", (string)topic["name"]!);
        Assert.True((bool)topic["properties"]!["requiresDuplicateDetection"]!);
        Assert.NotEmpty(consumers);
        Assert.Equal(consumers.Order(), subscriptions.Select(s => ((string)s["name"]!).Split('/')[^1]).Order());
        Assert.All(subscriptions, s =>
        {
            Assert.StartsWith((string)topic["name"]! + "/", (string)s["name"]!);
            Assert.True((bool)s["properties"]!["deadLetteringOnMessageExpiration"]!);
        });
        Assert.Equal("Standard", (string?)deployment.Single("Microsoft.ServiceBus/namespaces")["sku"]!["name"]);
    }

    [Theory]
    [MemberData(nameof(ParameterFiles))]
    public void Application_Insights_keeps_its_data_in_the_Log_Analytics_workspace(string environment, string parameterFile)
    {
        var deployment = For(environment);
        var workspace = deployment.Single("Microsoft.OperationalInsights/workspaces");
        var insights = deployment.Single("Microsoft.Insights/components");

        Assert.Equal((string)workspace["id"]!, (string)insights["properties"]!["WorkspaceResourceId"]!);
        Assert.Equal((int)infra.Parameters(parameterFile)["logRetentionDays"]!["value"]!, (int)workspace["properties"]!["retentionInDays"]!);
    }
}
