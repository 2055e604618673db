using Commerce.Hosting.Auth;
using Commerce.Hosting.Storage;
using Microsoft.Extensions.Configuration;

namespace Commerce.Hosting.Settings;

/// <summary>A setting the app cannot start without, and the other settings that may stand in for it.</summary>
/// <param name="Name">the form a deployment to Azure gives: identity-based, with no secret in it.</param>
/// <param name="Purpose">what the app needs it for, as the one line an operator reads.</param>
public sealed record RequiredSetting(string Name, string Purpose, params string[] OrElse)
{
    public bool IsSetIn(IConfiguration configuration) =>
        configuration.GetString(Name) is not null || OrElse.Any(alternative => configuration.GetString(alternative) is not null);
}

/// <summary>
/// The settings each storage preset cannot start without. Start-up checks them before anything connects, and
/// the infrastructure tests check that infra/main.bicep sets every <see cref="RequiredSetting.Name"/>, so a
/// setting added here cannot be forgotten by the deployment.
/// </summary>
public static class RequiredSettings
{
    /// <summary>The Service Bus namespace integration events go to, as an identity-based connection.</summary>
    public const string ServiceBusConnectionSetting = "ServiceBus";

    public static IReadOnlyList<RequiredSetting> Azure { get; } =
    [
        new($"{StorageSetup.StorageConnectionSetting}:accountName", "the storage account for blobs, queues and the Functions host",
            StorageSetup.StorageConnectionSetting, $"{StorageSetup.StorageConnectionSetting}:blobServiceUri"),
        new($"{StorageSetup.CosmosConnectionSetting}:accountEndpoint", "the Cosmos DB account for documents",
            StorageSetup.CosmosConnectionSetting),
        new(AuthSettings.SigningKeySetting, "the key that signs and checks bearer tokens",
            AuthSettings.AuthoritySetting),
        new($"{ServiceBusConnectionSetting}:fullyQualifiedNamespace", "the Service Bus namespace whose commerce-events topic integration events are published to"),
        new($"{ServiceBusConnectionSetting}:clientId", "the managed identity that publishes integration events"),
    ];

    public static IReadOnlyList<RequiredSetting> For(StoragePreset preset) => preset == StoragePreset.Azure ? Azure : [];

    /// <exception cref="SettingsException">naming the first required setting that is missing.</exception>
    public static void Check(IConfiguration configuration, StoragePreset preset)
    {
        foreach (var required in For(preset))
        {
            if (!required.IsSetIn(configuration))
                throw new SettingsException(required.Name,
                    $"is required with the {preset.ToString().ToLowerInvariant()} preset for {required.Purpose} (or set {string.Join(" or ", required.OrElse)}).");
        }
    }
}
