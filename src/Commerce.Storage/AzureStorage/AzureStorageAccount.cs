using Azure.Core;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;

namespace Commerce.Storage.AzureStorage;

/// <summary>The blob and queue service clients of one storage account, made from a setting the way Azure Functions reads it.</summary>
public sealed class AzureStorageAccount
{
    private AzureStorageAccount(BlobServiceClient blobs, QueueServiceClient queues, AzureStorageClientOptions options, TokenCredential? credential)
    {
        Blobs = blobs;
        Queues = queues;
        Options = options;
        Credential = credential;
    }

    public BlobServiceClient Blobs { get; }

    public QueueServiceClient Queues { get; }

    public AzureStorageClientOptions Options { get; }

    /// <summary>The identity the clients sign in with; null when the connection string carries the key or a SAS.</summary>
    public TokenCredential? Credential { get; }

    /// <summary>
    /// A storage connection string as the SDK reads it: <c>UseDevelopmentStorage=true</c> (Azurite on its default
    /// ports), <c>AccountName=...;AccountKey=...</c>, explicit <c>BlobEndpoint=...;QueueEndpoint=...</c>, or a SAS.
    /// </summary>
    /// <exception cref="FormatException">the string is malformed; the message never contains it.</exception>
    public static AzureStorageAccount FromConnectionString(string connectionString, AzureStorageClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        options ??= new AzureStorageClientOptions();
        try
        {
            return new AzureStorageAccount(
                new BlobServiceClient(connectionString, options.CreateBlobClientOptions()),
                new QueueServiceClient(connectionString, options.CreateQueueClientOptions()),
                options,
                null);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            // The SDK's own message may quote the string, key included.
            throw new FormatException("the storage connection string is malformed: expected 'Name=value;' pairs such as 'AccountName=...;AccountKey=...;', or 'UseDevelopmentStorage=true'.");
        }
    }

    /// <summary>
    /// Reads a connection setting as Azure Functions reads <c>AzureWebJobsStorage</c>: a connection string, or
    /// identity-based sub-settings <c>&lt;name&gt;__accountName</c>, or <c>&lt;name&gt;__blobServiceUri</c> and
    /// <c>&lt;name&gt;__queueServiceUri</c>, with the credential sub-settings of Microsoft.Extensions.Azure
    /// (<c>__credential=managedidentity</c>, <c>__clientId</c>, ...; none: DefaultAzureCredential, as the Functions host
    /// does locally). <c>__</c> in environment variable names reaches <see cref="IConfiguration"/> as <c>:</c>.
    /// </summary>
    /// <exception cref="FormatException">the setting is missing or invalid; the message names the sub-setting and never contains a key.</exception>
    public static AzureStorageAccount FromConfiguration(IConfiguration configuration, string name, AzureComponentFactory components, AzureStorageClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(components);
        var section = configuration.GetSection(name);
        if (!string.IsNullOrWhiteSpace(section.Value))
            return FromConnectionString(section.Value, options);

        options ??= new AzureStorageClientOptions();
        var accountName = Sub(section, "accountName");
        if (accountName is not null && !IsAccountName(accountName))
            throw new FormatException($"'{name}__accountName' is '{accountName}', not a storage account name (3-24 lowercase letters and digits).");
        var blobUri = ServiceUri(section, name, "blob", accountName);
        var queueUri = ServiceUri(section, name, "queue", accountName);
        if (blobUri is null && queueUri is null)
            throw new FormatException($"is missing: set a storage connection string, or '{name}__accountName' (or '{name}__blobServiceUri' and '{name}__queueServiceUri') to use an identity.");
        if (blobUri is null || queueUri is null)
            throw new FormatException($"has '{name}__{(blobUri is null ? "queue" : "blob")}ServiceUri' but no '{name}__{(blobUri is null ? "blob" : "queue")}ServiceUri'; the app needs both services (or '{name}__accountName').");

        TokenCredential credential;
        try
        {
            credential = components.CreateTokenCredential(section);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new FormatException($"has credential settings that make no credential: {StorageFailures.OneLine(e.Message)}");
        }
        return new AzureStorageAccount(
            new BlobServiceClient(blobUri, credential, options.CreateBlobClientOptions()),
            new QueueServiceClient(queueUri, credential, options.CreateQueueClientOptions()),
            options,
            credential);
    }

    private static string? Sub(IConfiguration section, string key) => section[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>The explicit service URI, else one derived from the account name in the public cloud, as the Functions host does.</summary>
    private static Uri? ServiceUri(IConfiguration section, string name, string service, string? accountName)
    {
        if (Sub(section, $"{service}ServiceUri") is not { } value)
            return accountName is null ? null : new Uri($"https://{accountName}.{service}.core.windows.net");
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.Query.Length > 0)
            throw new FormatException($"'{name}__{service}ServiceUri' is '{value}', not an https URL without a query (tokens are only sent over TLS).");
        return uri;
    }

    private static bool IsAccountName(string name) =>
        name is { Length: >= 3 and <= 24 } && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c));
}
