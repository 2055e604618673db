namespace Commerce.Storage.Documents;

/// <summary>
/// The document containers an app uses, declared where each area registers its services. In Azure the app's
/// identity may read and write documents but not create containers, so a deployment creates exactly these;
/// <see cref="Restrict"/> makes the app's store refuse any other name, so this list cannot fall behind the code.
/// </summary>
public sealed class DocumentContainerCatalog
{
    private readonly SortedSet<string> _names = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _names;

    /// <summary>Declares containers; call it while the app is configured, before any store is opened.</summary>
    public DocumentContainerCatalog Add(params string[] names)
    {
        foreach (var name in names)
        {
            StorageNames.Validate("container", name);
            _names.Add(name);
        }
        return this;
    }

    public bool Contains(string name) => _names.Contains(name);

    /// <summary><paramref name="store"/> as the app sees it: opening a container that is not declared fails.</summary>
    public IDocumentStore Restrict(IDocumentStore store) => new DeclaredContainersOnly(store, this);

    private sealed class DeclaredContainersOnly(IDocumentStore store, DocumentContainerCatalog catalog) : IDocumentStore
    {
        public string Adapter => store.Adapter;

        public Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default) => store.CheckHealthAsync(cancellationToken);

        public Task<IDocumentContainer> GetContainerAsync(string name, CancellationToken cancellationToken = default) =>
            catalog.Contains(name)
                ? store.GetContainerAsync(name, cancellationToken)
                : throw new InvalidOperationException(
                    $"Document container '{name}' is not declared. Add it to the app's document containers where its area registers its services, so that deployments create it.");
    }
}
