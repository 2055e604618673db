using Azure.Identity;
using Commerce.Hosting.Settings;
using Commerce.Storage.AzureStorage;
using Commerce.Storage.Blobs.Azure;
using Commerce.Storage.Documents.Cosmos;
using Commerce.Storage.Queues.Azure;
using Commerce.Storage.Blobs;
using Commerce.Storage.Blobs.Folder;
using Commerce.Storage.Documents;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Queues;
using Commerce.Storage.Queues.Sqlite;
using Commerce.Storage.Sqlite;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Hosting.Storage;

/// <summary>Builds the stores for the configured preset and registers them for injection.</summary>
public static class StorageSetup
{
    public const string PresetSetting = "Storage:Preset";
    public const string DataDirectorySetting = "Storage:DataDirectory";
    public const string StorageConnectionSetting = "AzureWebJobsStorage";
    public const string CosmosConnectionSetting = "CosmosDb";
    public const string CosmosDatabaseSetting = "Storage:CosmosDatabase";

    /// <param name="containers">the document containers the app declares; its document store opens no others.</param>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration, DocumentContainerCatalog containers)
    {
        var preset = configuration.GetEnum(PresetSetting, StoragePreset.Embedded);
        var dataDirectory = DataDirectory(configuration);
        services.AddSingleton(containers);
        // The factory Azure Functions uses for identity-based connections (credential, clientId, ... sub-settings).
        services.AddAzureClientsCore();
        services.AddSingleton(provider => Create(preset, dataDirectory, configuration, provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<AzureComponentFactory>()));
        services.AddSingleton(provider => containers.Restrict(provider.GetRequiredService<StorageStores>().Documents));
        services.AddSingleton(provider => provider.GetRequiredService<StorageStores>().Blobs);
        services.AddSingleton(provider => provider.GetRequiredService<StorageStores>().Queues);
        services.AddSingleton<IQueueStore>(provider => provider.GetRequiredService<StorageStores>().Queues);
        return services;
    }

    /// <summary>Storage:DataDirectory as a full path (default .data under the working directory).</summary>
    public static string DataDirectory(IConfiguration configuration) => Path.GetFullPath(configuration.GetString(DataDirectorySetting) ?? ".data");

    public static StorageStores Create(StoragePreset preset, string dataDirectory, IConfiguration configuration, TimeProvider time, AzureComponentFactory components)
    {
        var owned = new List<IDisposable>();
        IDocumentStore documents;
        IBlobStore blobs;
        IQueueStore queues;
        switch (preset)
        {
            case StoragePreset.Embedded:
                documents = new SqliteDocumentStore(Open(Path.Combine(dataDirectory, "documents.db"), owned));
                blobs = new FolderBlobStore(Path.Combine(dataDirectory, "blobs"));
                queues = new SqliteQueueStore(Open(Path.Combine(dataDirectory, "queues.db"), owned), time);
                break;
            case StoragePreset.Azurite:
                documents = new SqliteDocumentStore(Open(Path.Combine(dataDirectory, "documents.db"), owned));
                (blobs, queues) = AzureStorage(configuration, components, developmentFallback: true);
                break;
            case StoragePreset.Azure:
                var cosmos = new CosmosDocumentStore(CosmosOptions(configuration));
                owned.Add(cosmos);
                documents = cosmos;
                (blobs, queues) = AzureStorage(configuration, components, developmentFallback: false);
                break;
            default:
                throw new SettingsException(PresetSetting, $"'{preset}' is not a known preset.");
        }
        return new StorageStores(preset, documents, blobs, new QueueEnvelopeStore(queues, blobs, new QueueEnvelopeOptions(), time), owned);
    }

    /// <summary>Blobs and queues on the account named by AzureWebJobsStorage (Azurite on its default ports when unset and allowed).</summary>
    private static (IBlobStore, IQueueStore) AzureStorage(IConfiguration configuration, AzureComponentFactory components, bool developmentFallback)
    {
        AzureStorageAccount account;
        try
        {
            account = developmentFallback && !configuration.GetSection(StorageConnectionSetting).Exists()
                ? AzureStorageAccount.FromConnectionString("UseDevelopmentStorage=true")
                : AzureStorageAccount.FromConfiguration(configuration, StorageConnectionSetting, components);
        }
        catch (FormatException e)
        {
            throw new SettingsException(StorageConnectionSetting, e.Message);
        }
        return (new AzureBlobStore(account), new AzureQueueStore(account));
    }

    /// <summary>
    /// Cosmos DB from the CosmosDb connection string, or from CosmosDb__accountEndpoint with a managed identity
    /// (CosmosDb__clientId for a user-assigned one), as Azure Functions names its connections.
    /// </summary>
    private static CosmosDocumentStoreOptions CosmosOptions(IConfiguration configuration)
    {
        var database = configuration.GetString(CosmosDatabaseSetting) ?? "commerce";
        var section = configuration.GetSection(CosmosConnectionSetting);
        try
        {
            if (!string.IsNullOrWhiteSpace(section.Value))
                return CosmosDocumentStoreOptions.FromConnectionString(section.Value) with { DatabaseName = database };
        }
        catch (ArgumentException e)
        {
            throw new SettingsException(CosmosConnectionSetting, e.Message);
        }
        var endpoint = section["accountEndpoint"]
            ?? throw new SettingsException(CosmosConnectionSetting, "is missing: set a Cosmos DB connection string, or CosmosDb__accountEndpoint to use a managed identity.");
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            throw new SettingsException(CosmosConnectionSetting + ":accountEndpoint", $"'{endpoint}' is not an https URL.");
        var clientId = section["clientId"];
        return new CosmosDocumentStoreOptions
        {
            Endpoint = uri,
            Credential = new ManagedIdentityCredential(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId)),
            DatabaseName = database,
        };
    }

    private static SqliteDatabase Open(string path, List<IDisposable> owned)
    {
        try
        {
            var database = new SqliteDatabase(path);
            owned.Add(database);
            return database;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new SettingsException(DataDirectorySetting, $"cannot open {path}: {e.Message}");
        }
    }
}
