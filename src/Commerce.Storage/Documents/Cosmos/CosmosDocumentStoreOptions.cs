using System.Data.Common;
using System.Text;
using Azure.Core;

namespace Commerce.Storage.Documents.Cosmos;

/// <summary>
/// Where and how <see cref="CosmosDocumentStore"/> reaches its account: an endpoint with either an account key
/// or a <see cref="TokenCredential"/> (managed identity in Azure). <see cref="ToString"/> never prints the key.
/// </summary>
public sealed record CosmosDocumentStoreOptions
{
    public required Uri Endpoint { get; init; }

    /// <summary>The account's primary or secondary key; leave null when <see cref="Credential"/> is set.</summary>
    public string? AccountKey { get; init; }

    /// <summary>An Entra ID credential such as ManagedIdentityCredential; leave null when <see cref="AccountKey"/> is set.</summary>
    public TokenCredential? Credential { get; init; }

    public string DatabaseName { get; init; } = "commerce";

    /// <summary>
    /// Trust any TLS certificate the endpoint presents. Only for local emulators with self-signed certificates;
    /// never for a real account.
    /// </summary>
    public bool AcceptAnyServerCertificate { get; init; }

    /// <summary>
    /// Send every request to <see cref="Endpoint"/> instead of the regional endpoints the account advertises.
    /// Emulators need it (they advertise addresses that may not be reachable); a multi-region account should leave it off.
    /// </summary>
    public bool LimitToEndpoint { get; init; }

    /// <summary>Manual throughput (RU/s) shared by all containers, set when the database is created; null for serverless accounts.</summary>
    public int? DatabaseThroughput { get; init; }

    /// <summary>How long start-up and health checks wait for the account before reporting it unreachable.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Reads <c>AccountEndpoint=...;AccountKey=...;</c>, the form the Azure portal shows. The SDK's
    /// <c>DisableServerCertificateValidation=true</c>, used for emulators, turns on
    /// <see cref="AcceptAnyServerCertificate"/> and <see cref="LimitToEndpoint"/>.
    /// </summary>
    /// <exception cref="ArgumentException">the string is malformed or lacks the endpoint or the key; the message never contains the key.</exception>
    public static CosmosDocumentStoreOptions FromConnectionString(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new DbConnectionStringBuilder();
        try
        {
            builder.ConnectionString = connectionString;
        }
        catch (ArgumentException)
        {
            throw new ArgumentException("The Cosmos DB connection string is malformed: expected 'AccountEndpoint=https://...;AccountKey=...;'.", nameof(connectionString));
        }

        var endpointText = Value(builder, "AccountEndpoint")
            ?? throw new ArgumentException("The Cosmos DB connection string has no AccountEndpoint.", nameof(connectionString));
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("https" or "http"))
            throw new ArgumentException($"The Cosmos DB connection string's AccountEndpoint '{endpointText}' is not an http(s) URL.", nameof(connectionString));
        var key = Value(builder, "AccountKey")
            ?? throw new ArgumentException("The Cosmos DB connection string has no AccountKey.", nameof(connectionString));
        var emulator = Value(builder, "DisableServerCertificateValidation") is { } disable
            && (bool.TryParse(disable, out var parsed)
                ? parsed
                : throw new ArgumentException($"The Cosmos DB connection string's DisableServerCertificateValidation '{disable}' is not true or false.", nameof(connectionString)));

        return new CosmosDocumentStoreOptions
        {
            Endpoint = endpoint,
            AccountKey = key,
            AcceptAnyServerCertificate = emulator,
            LimitToEndpoint = emulator,
        };
    }

    private static string? Value(DbConnectionStringBuilder builder, string name) =>
        builder.TryGetValue(name, out var value) && value is string text && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;

    internal void Validate()
    {
        if (!Endpoint.IsAbsoluteUri || Endpoint.Scheme is not ("https" or "http"))
            throw new ArgumentException($"The Cosmos DB endpoint '{Endpoint}' is not an absolute http(s) URL.", nameof(Endpoint));
        if ((AccountKey is null) == (Credential is null))
            throw new ArgumentException("Set exactly one of AccountKey and Credential for Cosmos DB.", nameof(AccountKey));
        if (AccountKey is not null && !IsBase64(AccountKey))
            throw new ArgumentException("The Cosmos DB account key is not valid base64; copy it again from the account's Keys page.", nameof(AccountKey));
        if (string.IsNullOrWhiteSpace(DatabaseName) || DatabaseName.Length > 255 || DatabaseName.IndexOfAny(['/', '\\', '?', '#']) >= 0)
            throw new ArgumentException($"'{DatabaseName}' is not a valid Cosmos DB database name.", nameof(DatabaseName));
        if (DatabaseThroughput is < 400)
            throw new ArgumentOutOfRangeException(nameof(DatabaseThroughput), DatabaseThroughput, "Cosmos DB database throughput is at least 400 RU/s.");
        if (ConnectTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "The connect timeout must be positive.");
    }

    private static bool IsBase64(string value)
    {
        if (value.Length > 1024)
            return false;
        Span<byte> buffer = stackalloc byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) && written > 0;
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Endpoint = {Endpoint}, DatabaseName = {DatabaseName}, Authentication = {(Credential is null ? "account key" : Credential.GetType().Name)}");
        if (AcceptAnyServerCertificate)
            builder.Append(", AcceptAnyServerCertificate = True");
        if (LimitToEndpoint)
            builder.Append(", LimitToEndpoint = True");
        if (DatabaseThroughput is { } throughput)
            builder.Append($", DatabaseThroughput = {throughput}");
        return true;
    }
}
