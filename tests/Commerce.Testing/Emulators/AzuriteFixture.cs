namespace Commerce.Testing.Emulators;

/// <summary>A real Azurite (blob and queue services, in memory) on free loopback ports, shared by a test collection.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    /// <summary>Azurite's documented development account; a public, well-known value, not a secret.</summary>
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private EmulatorProcess? _process;

    public int BlobPort { get; private set; }
    public int QueuePort { get; private set; }

    public Uri BlobEndpoint => new($"http://127.0.0.1:{BlobPort}/{AccountName}");
    public Uri QueueEndpoint => new($"http://127.0.0.1:{QueuePort}/{AccountName}");

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};";

    public async Task InitializeAsync()
    {
        BlobPort = FreePort.Next();
        QueuePort = FreePort.Next();
        var tablePort = FreePort.Next();
        _process = await EmulatorProcess.StartAsync(
            "Azurite",
            Path.Combine("azurite", "dist", "src", "azurite.js"),
            [
                "--blobHost", "127.0.0.1", "--blobPort", BlobPort.ToString(),
                "--queueHost", "127.0.0.1", "--queuePort", QueuePort.ToString(),
                "--tableHost", "127.0.0.1", "--tablePort", tablePort.ToString(),
                // Azurite 3.37 refuses --location together with --inMemoryPersistence; in memory nothing is written.
                "--inMemoryPersistence", "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry",
            ],
            [BlobPort, QueuePort]);
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
            await _process.DisposeAsync();
    }
}
