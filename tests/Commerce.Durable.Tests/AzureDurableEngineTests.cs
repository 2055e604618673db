using Commerce.Testing.Emulators;

namespace Commerce.Durable.Tests;

/// <summary>The engine suite on the Azure backend: Cosmos DB documents (cosmosdb-server) and Azure Storage queues and blobs (Azurite).</summary>
public sealed class AzureDurableEngineTests(AzuriteFixture azurite, CosmosDbServerFixture cosmos)
    : ProjectEngineContract, IClassFixture<AzuriteFixture>, IClassFixture<CosmosDbServerFixture>
{
    protected override IReadOnlyDictionary<string, string> BackendSettings => new Dictionary<string, string>
    {
        ["Storage:Preset"] = "azure",
        ["AzureWebJobsStorage"] = azurite.ConnectionString,
        ["CosmosDb"] = cosmos.ConnectionString + "DisableServerCertificateValidation=true;",
        ["Storage:CosmosDatabase"] = $"engine{Guid.NewGuid():N}"[..20],
    };

    /// <summary>Azure queues count visibility in whole seconds.</summary>
    protected override TimeSpan TimerSlack => TimeSpan.FromSeconds(3);
}
