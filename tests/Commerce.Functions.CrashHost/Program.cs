using Commerce.Functions;
using Commerce.Hosting;
using Commerce.Orders.Orders;
using Commerce.Storage;
using Commerce.Storage.Documents;
using Microsoft.Extensions.DependencyInjection;

// The function app for crash tests: its order store stops for good just before the Nth write to the orders
// or order-index container and prints "PAUSED", so that a test can kill the process exactly there.
// Arguments: --PauseBeforeOrderWrite=N and the app's own.
var pauseAt = int.Parse(CommandArguments.Parse(args)["PauseBeforeOrderWrite"], System.Globalization.CultureInfo.InvariantCulture);
return await FunctionAppBuilder.RunAsync(args, app =>
{
    CommerceApp.Configure(app);
    app.Services.AddSingleton(provider => new OrderRepository(
        new PausingDocumentStore(provider.GetRequiredService<IDocumentStore>(), pauseAt), provider.GetRequiredService<Commerce.Events.Outbox.EventOutbox>(),
        provider.GetRequiredService<TimeProvider>()));
});

internal sealed class PausingDocumentStore(IDocumentStore inner, int pauseAt) : IDocumentStore
{
    private int _writes;

    public string Adapter => inner.Adapter;

    public Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default) => inner.CheckHealthAsync(cancellationToken);

    public async Task<IDocumentContainer> GetContainerAsync(string name, CancellationToken cancellationToken = default) =>
        new PausingContainer(await inner.GetContainerAsync(name, cancellationToken), this);

    private async Task BeforeWriteAsync(string container)
    {
        if (Interlocked.Increment(ref _writes) != pauseAt)
            return;
        Console.WriteLine($"PAUSED before write {pauseAt}, to {container}");
        await Console.Out.FlushAsync();
        await Task.Delay(Timeout.Infinite);
    }

    private sealed class PausingContainer(IDocumentContainer inner, PausingDocumentStore store) : IDocumentContainer
    {
        public string Name => inner.Name;

        public Task<StoredDocument?> ReadAsync(string partitionKey, string id, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(partitionKey, id, cancellationToken);

        public async Task<StoredDocument> CreateAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default)
        {
            await store.BeforeWriteAsync(Name);
            return await inner.CreateAsync(partitionKey, id, json, cancellationToken);
        }

        public async Task<StoredDocument> UpsertAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, CancellationToken cancellationToken = default)
        {
            await store.BeforeWriteAsync(Name);
            return await inner.UpsertAsync(partitionKey, id, json, cancellationToken);
        }

        public async Task<StoredDocument> ReplaceAsync(string partitionKey, string id, ReadOnlyMemory<byte> json, string ifMatch, CancellationToken cancellationToken = default)
        {
            await store.BeforeWriteAsync(Name);
            return await inner.ReplaceAsync(partitionKey, id, json, ifMatch, cancellationToken);
        }

        public async Task<bool> DeleteAsync(string partitionKey, string id, string? ifMatch = null, CancellationToken cancellationToken = default)
        {
            await store.BeforeWriteAsync(Name);
            return await inner.DeleteAsync(partitionKey, id, ifMatch, cancellationToken);
        }

        public Task<DocumentPage> QueryAsync(string partitionKey, DocumentQuery query, CancellationToken cancellationToken = default) =>
            inner.QueryAsync(partitionKey, query, cancellationToken);
    }
}
