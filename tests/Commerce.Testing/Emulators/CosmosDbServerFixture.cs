namespace Commerce.Testing.Emulators;

/// <summary>
/// A real in-memory Cosmos DB server (@vercel/cosmosdb-server, HTTPS, self-signed) on a free loopback port,
/// started through tests/emulators/cosmosdb-server.js, which corrects two of its answers to Azure's.
/// </summary>
public sealed class CosmosDbServerFixture : IAsyncLifetime
{
    /// <summary>The server accepts any key; this one only has to be valid base64 for the SDK.</summary>
    public const string AccountKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    private EmulatorProcess? _process;

    public int Port { get; private set; }

    public Uri Endpoint => new($"https://127.0.0.1:{Port}/");

    public string ConnectionString => $"AccountEndpoint={Endpoint};AccountKey={AccountKey};";

    public async Task InitializeAsync()
    {
        // The Cosmos SDK otherwise asks Azure's instance metadata service (169.254.169.254) about the machine;
        // tests talk to loopback only.
        Environment.SetEnvironmentVariable("COSMOS_DISABLE_IMDS_ACCESS", "true");
        Port = FreePort.Next();
        _process = await EmulatorProcess.StartAsync(
            "cosmosdb-server",
            Path.Combine("..", "cosmosdb-server.js"),
            ["--host", "127.0.0.1", "--port", Port.ToString()],
            [Port]);
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
            await _process.DisposeAsync();
    }
}
