using System.Data.Common;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace Commerce.Storage.AzureStorage;

/// <summary>
/// Where a storage account's blob and queue services are and how to authorize against them: an account key
/// (Shared Key) or a <see cref="TokenCredential"/> (managed identity). <see cref="ToString"/> never prints the key.
/// </summary>
public sealed record AzureStorageConnection
{
    /// <summary>Azurite's documented development account; a public, well-known value, not a secret.</summary>
    public const string DevelopmentAccountName = "devstoreaccount1";
    private const string DevelopmentAccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string TokenScope = "https://storage.azure.com/.default";

    /// <summary>What <c>UseDevelopmentStorage=true</c> means: Azurite on its default local ports.</summary>
    public static AzureStorageConnection Development { get; } = new()
    {
        BlobEndpoint = new Uri($"http://127.0.0.1:10000/{DevelopmentAccountName}"),
        QueueEndpoint = new Uri($"http://127.0.0.1:10001/{DevelopmentAccountName}"),
        AccountName = DevelopmentAccountName,
        AccountKey = DevelopmentAccountKey,
    };

    /// <summary>e.g. https://account.blob.core.windows.net, or http://127.0.0.1:10000/devstoreaccount1 for Azurite.</summary>
    public Uri? BlobEndpoint { get; init; }

    public Uri? QueueEndpoint { get; init; }

    /// <summary>Needed with <see cref="AccountKey"/>, which signs for this account.</summary>
    public string? AccountName { get; init; }

    /// <summary>The account key (base64); leave null when <see cref="Credential"/> is set.</summary>
    public string? AccountKey { get; init; }

    /// <summary>An Entra ID credential such as ManagedIdentityCredential; leave null when <see cref="AccountKey"/> is set.</summary>
    public TokenCredential? Credential { get; init; }

    /// <summary>
    /// Reads a storage connection string: <c>UseDevelopmentStorage=true</c>;
    /// <c>DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net</c>;
    /// or the same with explicit <c>BlobEndpoint=...;QueueEndpoint=...</c>.
    /// </summary>
    /// <exception cref="FormatException">a part is missing or malformed; the message names it and never contains the key.</exception>
    public static AzureStorageConnection Parse(string connectionString) => Parse(connectionString, "The storage connection string");

    /// <summary>
    /// Reads a setting the way Azure Functions reads <c>AzureWebJobsStorage</c>: either a connection string
    /// (see <see cref="Parse(string)"/>), or identity-based sub-settings <c>&lt;name&gt;__accountName</c>, or
    /// <c>&lt;name&gt;__blobServiceUri</c> and <c>&lt;name&gt;__queueServiceUri</c>, with optional
    /// <c>&lt;name&gt;__credential=managedidentity</c> and <c>&lt;name&gt;__clientId</c> (a user-assigned identity).
    /// Without <c>credential</c> the developer's own sign-in is tried as well (DefaultAzureCredential), as the Functions
    /// host does locally. <c>__</c> in environment variable names reaches <see cref="IConfiguration"/> as <c>:</c>.
    /// </summary>
    /// <exception cref="FormatException">the connection string is malformed.</exception>
    /// <exception cref="ArgumentException">the setting is missing, or an identity-based sub-setting is invalid; the message names it.</exception>
    public static AzureStorageConnection FromConfiguration(IConfiguration configuration, string name = "AzureWebJobsStorage")
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(name);
        if (!string.IsNullOrWhiteSpace(section.Value))
            return Parse(section.Value, $"Setting '{name}'");

        string? Sub(string key) => section[key] is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        var accountName = Sub("accountName");
        var blobServiceUri = Sub("blobServiceUri");
        var queueServiceUri = Sub("queueServiceUri");
        if (accountName is null && blobServiceUri is null && queueServiceUri is null)
        {
            throw new ArgumentException(
                $"Setting '{name}' is missing: set a storage connection string, or '{name}__accountName' (or '{name}__blobServiceUri' and '{name}__queueServiceUri') to use a managed identity.",
                nameof(name));
        }
        if (accountName is not null && !IsAccountName(accountName))
            throw new ArgumentException($"Setting '{name}__accountName' is '{accountName}', not a storage account name (3-24 lowercase letters and digits).", nameof(name));

        return new AzureStorageConnection
        {
            AccountName = accountName,
            BlobEndpoint = ServiceUri(blobServiceUri, "blob"),
            QueueEndpoint = ServiceUri(queueServiceUri, "queue"),
            Credential = CreateCredential(Sub("credential"), Sub("clientId")),
        };

        Uri? ServiceUri(string? value, string service)
        {
            if (value is null)
                return accountName is null ? null : new Uri($"https://{accountName}.{service}.core.windows.net");
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.Query.Length > 0)
                throw new ArgumentException($"Setting '{name}__{service}ServiceUri' is '{value}', not an https URL without a query (tokens need TLS).", nameof(name));
            return uri;
        }

        TokenCredential CreateCredential(string? credential, string? clientId)
        {
            if (credential is null)
                return new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId });
            if (!credential.Equals("managedidentity", StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"Setting '{name}__credential' is '{credential}'; the only supported value is 'managedidentity'.", nameof(name));
            return new ManagedIdentityCredential(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId));
        }
    }

    private static AzureStorageConnection Parse(string connectionString, string source)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new FormatException($"{source} is empty.");
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            // The parser's own message may quote the string, key included.
            throw new FormatException($"{source} is malformed: expected 'Name=value;' pairs such as 'AccountName=...;AccountKey=...;'.");
        }

        string? Value(string key) => builder.TryGetValue(key, out var value) && value is string text && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;

        if (Value("UseDevelopmentStorage") is { } development)
        {
            if (!development.Equals("true", StringComparison.OrdinalIgnoreCase))
                throw new FormatException($"{source} has a UseDevelopmentStorage other than 'true'.");
            if (Value("DevelopmentStorageProxyUri") is not null)
                throw new FormatException($"{source} has DevelopmentStorageProxyUri, which is not supported; give BlobEndpoint and QueueEndpoint instead.");
            return Development;
        }
        if (Value("SharedAccessSignature") is not null)
            throw new FormatException($"{source} uses SharedAccessSignature, which is not supported; use an account key or a managed identity.");

        // Values from the string are never quoted in messages: a missing ';' can run the key into another part.
        var accountName = Value("AccountName");
        var accountKey = Value("AccountKey")
            ?? throw new FormatException($"{source} has no AccountKey; to use a managed identity, set identity-based settings (accountName or service URIs) instead of a connection string.");
        if (accountName is null)
            throw new FormatException($"{source} has an AccountKey but no AccountName.");
        if (!IsBase64(accountKey))
            throw new FormatException($"{source} has an AccountKey that is not valid base64; copy it again from the account's Access keys page.");

        var protocol = Value("DefaultEndpointsProtocol") ?? "https";
        if (protocol is not ("https" or "http"))
            throw new FormatException($"{source} has a DefaultEndpointsProtocol other than https or http.");
        var suffix = Value("EndpointSuffix") ?? "core.windows.net";
        var blob = Endpoint("BlobEndpoint", "blob");
        var queue = Endpoint("QueueEndpoint", "queue");
        return new AzureStorageConnection { BlobEndpoint = blob, QueueEndpoint = queue, AccountName = accountName, AccountKey = accountKey };

        Uri Endpoint(string key, string service)
        {
            var text = Value(key);
            if (text is null)
            {
                if (!IsAccountName(accountName))
                    throw new FormatException($"{source} has an AccountName that is not a storage account name (3-24 lowercase letters and digits), and no {key}.");
                return Uri.TryCreate($"{protocol}://{accountName}.{service}.{suffix}", UriKind.Absolute, out var derived)
                    ? derived
                    : throw new FormatException($"{source} has an EndpointSuffix that does not make a valid {service} endpoint.");
            }
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
                throw new FormatException($"{source} has a {key} that is not an absolute http(s) URL.");
            if (uri.Query.Length > 0)
                throw new FormatException($"{source} has a query string in {key}; shared access signatures are not supported.");
            return uri;
        }
    }

    private static bool IsAccountName(string name) =>
        name is { Length: >= 3 and <= 24 } && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c));

    private static bool IsBase64(string value)
    {
        if (value.Length > 1024)
            return false;
        Span<byte> buffer = stackalloc byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) && written > 0;
    }

    internal Uri RequireEndpoint(string service) =>
        (service == "blob" ? BlobEndpoint : QueueEndpoint)
        ?? throw new ArgumentException(
            $"The storage connection has no {service} endpoint: give {(service == "blob" ? "BlobEndpoint" : "QueueEndpoint")} or AccountName in the connection string, or {service}ServiceUri or accountName in identity-based settings.");

    internal HttpPipelinePolicy CreateAuthenticationPolicy(Uri endpoint)
    {
        if (Credential is { } credential)
        {
            if (AccountKey is not null)
                throw new ArgumentException("The storage connection has both an account key and a credential; give one.");
            if (endpoint.Scheme != Uri.UriSchemeHttps)
                throw new ArgumentException($"The storage endpoint {endpoint} is not https; token credentials are only sent over TLS.");
            return new BearerTokenAuthenticationPolicy(credential, TokenScope);
        }
        if (AccountKey is null || AccountName is null)
            throw new ArgumentException("The storage connection has neither an account name and key nor a credential.");
        return new StorageSharedKeyPolicy(AccountName, AccountKey);
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"BlobEndpoint = {BlobEndpoint}, QueueEndpoint = {QueueEndpoint}, AccountName = {AccountName}, ");
        builder.Append($"Authentication = {(Credential is null ? AccountKey is null ? "none" : "account key" : Credential.GetType().Name)}");
        return true;
    }
}
