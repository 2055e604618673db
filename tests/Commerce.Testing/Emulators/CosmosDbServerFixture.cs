namespace Commerce.Testing.Emulators;

/// <summary>A real in-memory Cosmos DB server (@vercel/cosmosdb-server, HTTPS, self-signed) on a free loopback port.</summary>
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
        Port = FreePort.Next();
        _process = await EmulatorProcess.StartAsync(
            "cosmosdb-server",
            Path.Combine("@vercel", "cosmosdb-server", "lib", "cli.js"),
            ["--host", "127.0.0.1", "--port", Port.ToString()],
            [Port]);
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
            await _process.DisposeAsync();
    }
}
