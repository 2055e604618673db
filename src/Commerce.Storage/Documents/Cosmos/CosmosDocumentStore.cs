using System.Collections.Concurrent;
using System.Net;
using Microsoft.Azure.Cosmos;

namespace Commerce.Storage.Documents.Cosmos;

/// <summary>
/// Documents in Azure Cosmos DB for NoSQL, over Gateway (HTTPS) mode: one database, one container per
/// <see cref="GetContainerAsync"/> name partitioned on <c>/pk</c>, each document stored as
/// <c>{"id", "pk", "data": body}</c>. Keep one instance for the life of the application.
/// </summary>
public sealed class CosmosDocumentStore : IDocumentStore, IDisposable
{
    public const string AdapterName = "cosmos";

    /// <summary>The partition key path of every container the store opens (and that a deployment must create).</summary>
    public const string PartitionKeyPath = CosmosItems.PartitionKeyPath;

    private readonly CosmosDocumentStoreOptions _options;
    private readonly CosmosClient _client;
    private readonly ConcurrentDictionary<string, Task<CosmosDocumentContainer>> _containers = new(StringComparer.Ordinal);
    private readonly Lock _databaseGate = new();
    private Task<Database>? _database;

    public CosmosDocumentStore(CosmosDocumentStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;

        var clientOptions = new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            LimitToEndpoint = options.LimitToEndpoint,
            ApplicationName = "commerce",
        };
        if (options.AcceptAnyServerCertificate)
            clientOptions.ServerCertificateCustomValidationCallback = static (_, _, _) => true;

        var endpoint = options.Endpoint.AbsoluteUri;
        _client = options.Credential is { } credential
            ? new CosmosClient(endpoint, credential, clientOptions)
            : new CosmosClient(endpoint, options.AccountKey, clientOptions);
    }

    public string Adapter => AdapterName;

    /// <summary>Connects and creates the database if it is missing; the first use of the store does the same.</summary>
    /// <exception cref="StoreUnavailableException">the account cannot be reached or refuses the credentials.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => DatabaseAsync(cancellationToken);

    public async Task<IDocumentContainer> GetContainerAsync(string name, CancellationToken cancellationToken = default)
    {
        StorageNames.Validate("container", name);
        var opening = _containers.GetOrAdd(name, OpenContainerAsync);
        try
        {
            return await opening.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (opening.IsFaulted || opening.IsCanceled)
        {
            _containers.TryRemove(new KeyValuePair<string, Task<CosmosDocumentContainer>>(name, opening));
            throw;
        }
    }

    public async Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var database = await DatabaseAsync(cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.ConnectTimeout);
            using var response = await database.ReadStreamAsync(cancellationToken: timeout.Token).WaitAsync(timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? Health(true, $"database '{_options.DatabaseName}' at {_options.Endpoint.Authority}")
                : Health(false, $"reading database '{_options.DatabaseName}' at {_options.Endpoint.Authority} answered {(int)response.StatusCode} {response.StatusCode} (activity {response.Headers.ActivityId})");
        }
        catch (StoreUnavailableException e)
        {
            return Health(false, e.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Health(false, $"Cosmos DB at {_options.Endpoint.Authority} did not answer within {_options.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception e)
        {
            var failure = e is CosmosException cosmos ? $"{(int)cosmos.StatusCode} {cosmos.StatusCode} (activity {cosmos.ActivityId})" : e.GetType().Name;
            return Health(false, $"Cosmos DB at {_options.Endpoint.Authority}: {failure}");
        }
    }

    private StoreHealth Health(bool ready, string detail) => new("documents", Adapter, ready, detail);

    public void Dispose() => _client.Dispose();

    private Task<Database> DatabaseAsync(CancellationToken cancellationToken)
    {
        Task<Database> creating;
        lock (_databaseGate)
        {
            if (_database is null || _database.IsFaulted || _database.IsCanceled)
                _database = CreateDatabaseAsync();
            creating = _database;
        }
        return creating.WaitAsync(cancellationToken);
    }

    private async Task<Database> CreateDatabaseAsync()
    {
        var where = $"Cosmos DB at {_options.Endpoint.Authority}";
        using var timeout = new CancellationTokenSource(_options.ConnectTimeout);
        try
        {
            var throughput = _options.DatabaseThroughput is { } manual ? ThroughputProperties.CreateManualThroughput(manual) : null;
            var response = await _client.CreateDatabaseIfNotExistsAsync(_options.DatabaseName, throughput, cancellationToken: timeout.Token)
                .WaitAsync(timeout.Token).ConfigureAwait(false);
            return response.Database;
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
        {
            throw new StoreUnavailableException($"{where} did not answer within {_options.ConnectTimeout.TotalSeconds:0.#} s.", e);
        }
        catch (CosmosException e) when (e.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new StoreUnavailableException($"{where} refused the credentials for database '{_options.DatabaseName}' ({(int)e.StatusCode} {e.StatusCode}, substatus {e.SubStatusCode}, activity {e.ActivityId}).", e);
        }
        catch (CosmosException e)
        {
            throw new StoreUnavailableException($"{where} could not open database '{_options.DatabaseName}' ({(int)e.StatusCode} {e.StatusCode}, substatus {e.SubStatusCode}, activity {e.ActivityId}).", e);
        }
        catch (HttpRequestException e)
        {
            throw new StoreUnavailableException($"{where} could not be reached: {OneLine(e.Message)}", e);
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private async Task<CosmosDocumentContainer> OpenContainerAsync(string name)
    {
        var database = await DatabaseAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var response = await database.CreateContainerIfNotExistsAsync(new ContainerProperties(name, CosmosItems.PartitionKeyPath)).ConfigureAwait(false);
            return new CosmosDocumentContainer(response.Container);
        }
        catch (ArgumentException e) when (e.ParamName == "PartitionKey")
        {
            // The SDK's way of saying that the container exists with another partition key path.
            throw new DocumentStoreException($"Cosmos DB container '{name}' exists but is not partitioned on '{CosmosItems.PartitionKeyPath}': {OneLine(e.Message)}", e);
        }
        catch (CosmosException e)
        {
            throw new DocumentStoreException($"Cosmos DB could not open container '{name}' in database '{_options.DatabaseName}' ({(int)e.StatusCode} {e.StatusCode}, substatus {e.SubStatusCode}, activity {e.ActivityId}).", e);
        }
    }
}
