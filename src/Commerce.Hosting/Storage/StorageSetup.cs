using Commerce.Hosting.Settings;
using Commerce.Storage.Blobs;
using Commerce.Storage.Blobs.Folder;
using Commerce.Storage.Documents;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Queues;
using Commerce.Storage.Queues.Sqlite;
using Commerce.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Commerce.Hosting.Storage;

/// <summary>Builds the stores for the configured preset and registers them for injection.</summary>
public static class StorageSetup
{
    public const string PresetSetting = "Storage:Preset";
    public const string DataDirectorySetting = "Storage:DataDirectory";

    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var preset = configuration.GetEnum(PresetSetting, StoragePreset.Embedded);
        var dataDirectory = Path.GetFullPath(configuration.GetString(DataDirectorySetting) ?? ".data");
        services.AddSingleton(provider => Create(preset, dataDirectory, configuration, provider.GetRequiredService<TimeProvider>()));
        services.AddSingleton(provider => provider.GetRequiredService<StorageStores>().Documents);
        services.AddSingleton(provider => provider.GetRequiredService<StorageStores>().Blobs);
        services.AddSingleton(provider => provider.GetRequiredService<StorageStores>().Queues);
        services.AddSingleton<IQueueStore>(provider => provider.GetRequiredService<StorageStores>().Queues);
        return services;
    }

    public static StorageStores Create(StoragePreset preset, string dataDirectory, IConfiguration configuration, TimeProvider time)
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
            default:
                throw new SettingsException(PresetSetting, $"'{preset.ToString().ToLowerInvariant()}' needs the Azure adapters, which this build does not include yet.");
        }
        return new StorageStores(preset, documents, blobs, new QueueEnvelopeStore(queues, blobs, new QueueEnvelopeOptions(), time), owned);
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
