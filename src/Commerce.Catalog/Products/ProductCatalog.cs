using Commerce.Catalog.Categories;
using Commerce.Storage.Documents;

namespace Commerce.Catalog.Products;

public enum ProductSort
{
    Name,
    Price,
    Newest,
}

public sealed record ProductQuery
{
    public string? Category { get; init; }
    public string? Brand { get; init; }
    public decimal? MinPrice { get; init; }
    public decimal? MaxPrice { get; init; }
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
    public bool InStockOnly { get; init; }
    public string? Text { get; init; }
    public ProductSort Sort { get; init; } = ProductSort.Name;
    public bool Descending { get; init; }
    public int PageSize { get; init; } = 20;

    /// <summary>Where to start: a continuation token from the previous page, or a 1-based page number.</summary>
    public string? ContinuationToken { get; init; }
    public int? Page { get; init; }

    /// <summary>Drafts and archived products too (admins).</summary>
    public bool IncludeInactive { get; init; }
}

public sealed record ProductPage(IReadOnlyList<StoredProduct> Items, int TotalCount, string? ContinuationToken);

public sealed record StoredProduct(Product Product, string ETag);

public sealed class CatalogOptions
{
    /// <summary>How stale another instance's writes may look here: the catalog version is checked at most this often.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Products and categories. Each set lives in one partition of the document store (fine for catalogues of
/// tens of thousands of products; larger ones would shard by category). Reads and listings are served
/// from an in-memory snapshot: this process's writes update it at once, and every write bumps a catalog
/// version that other instances check at most every <see cref="CatalogOptions.RefreshInterval"/>.
/// </summary>
public sealed class ProductCatalog(IDocumentStore documents, TimeProvider time, CatalogOptions options)
{
    public const string ProductsContainer = "products";
    public const string CategoriesContainer = "categories";
    public const string MetaContainer = "catalog-meta";
    private const string ProductsPartition = "products";
    private const string CategoriesPartition = "categories";
    private const string VersionId = "version";

    private readonly SemaphoreSlim _reload = new(1, 1);
    private readonly Lock _write = new();
    private volatile Snapshot? _snapshot;
    private long _checkedAt;

    public sealed record CatalogVersion(string Version, DateTimeOffset UpdatedAt);

    /// <summary>An immutable view of the catalog; a change makes a new one (never copy one with `with`: its sorted views belong to it).</summary>
    private sealed class Snapshot(string version, IReadOnlyDictionary<string, StoredProduct> products, CategoryTree categories)
    {
        public string Version { get; } = version;
        public IReadOnlyDictionary<string, StoredProduct> Products { get; } = products;
        public CategoryTree Categories { get; } = categories;

        private readonly Lazy<StoredProduct[]> _byName = new(() => [.. products.Values.OrderBy(s => s.Product.Name, StringComparer.OrdinalIgnoreCase).ThenBy(s => s.Product.Sku, StringComparer.Ordinal)]);
        private readonly Lazy<StoredProduct[]> _byPrice = new(() => [.. products.Values.OrderBy(s => s.Product.ListPrice).ThenBy(s => s.Product.Sku, StringComparer.Ordinal)]);
        private readonly Lazy<StoredProduct[]> _byNewest = new(() => [.. products.Values.OrderByDescending(s => s.Product.CreatedAt).ThenBy(s => s.Product.Sku, StringComparer.Ordinal)]);

        /// <summary>The products in a listing order, sorted once per snapshot rather than per request.</summary>
        public IEnumerable<StoredProduct> Sorted(ProductSort sort, bool descending) => (sort, descending) switch
        {
            (ProductSort.Price, false) => _byPrice.Value,
            (ProductSort.Price, true) => _byPrice.Value.Reverse(),
            (ProductSort.Newest, _) => _byNewest.Value,
            (_, false) => _byName.Value,
            (_, true) => _byName.Value.Reverse(),
        };
    }

    public async Task<StoredProduct?> GetAsync(string sku, CancellationToken cancellationToken = default) =>
        (await CurrentAsync(cancellationToken).ConfigureAwait(false)).Products.GetValueOrDefault(Skus.Normalize(sku));

    public async Task<CategoryTree> CategoriesAsync(CancellationToken cancellationToken = default) =>
        (await CurrentAsync(cancellationToken).ConfigureAwait(false)).Categories;

    public async Task<int> CountAsync(CancellationToken cancellationToken = default) =>
        (await CurrentAsync(cancellationToken).ConfigureAwait(false)).Products.Count;

    public async Task<IReadOnlyCollection<StoredProduct>> AllAsync(CancellationToken cancellationToken = default) =>
        (IReadOnlyCollection<StoredProduct>)(await ProductsAsync(cancellationToken).ConfigureAwait(false)).Values;

    /// <summary>Every product by its normalized SKU (<see cref="Skus.Normalize"/>), from one snapshot.</summary>
    public async Task<IReadOnlyDictionary<string, StoredProduct>> ProductsAsync(CancellationToken cancellationToken = default) =>
        (await CurrentAsync(cancellationToken).ConfigureAwait(false)).Products;

    /// <exception cref="DocumentConflictException">a product with this SKU exists.</exception>
    public async Task<StoredProduct> CreateAsync(Product product, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(ProductsContainer, cancellationToken).ConfigureAwait(false);
        var stored = await container.CreateAsync(ProductsPartition, Skus.Normalize(product.Sku), product, cancellationToken).ConfigureAwait(false);
        return await PublishAsync(new StoredProduct(product, stored.ETag), cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="DocumentPreconditionFailedException">the product changed since <paramref name="ifMatch"/>.</exception>
    /// <exception cref="DocumentNotFoundException">no such product.</exception>
    public async Task<StoredProduct> ReplaceAsync(Product product, string ifMatch, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(ProductsContainer, cancellationToken).ConfigureAwait(false);
        var stored = await container.ReplaceAsync(ProductsPartition, Skus.Normalize(product.Sku), product, ifMatch, cancellationToken).ConfigureAwait(false);
        return await PublishAsync(new StoredProduct(product, stored.ETag), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes many products without conditions (imports, demo data), announcing one new catalog version at the end.</summary>
    public async Task UpsertManyAsync(IReadOnlyList<Product> products, CancellationToken cancellationToken = default)
    {
        if (products.Count == 0)
            return;
        var container = await documents.GetContainerAsync(ProductsContainer, cancellationToken).ConfigureAwait(false);
        var written = new Dictionary<string, StoredProduct>(StringComparer.Ordinal);
        foreach (var product in products)
        {
            var key = Skus.Normalize(product.Sku);
            var stored = await container.UpsertAsync(ProductsPartition, key, product, cancellationToken).ConfigureAwait(false);
            written[key] = new StoredProduct(product, stored.ETag);
        }
        await BumpVersionAsync(snapshot =>
        {
            var merged = new Dictionary<string, StoredProduct>(snapshot.Products, StringComparer.Ordinal);
            foreach (var (key, product) in written)
                merged[key] = product;
            return new Snapshot(snapshot.Version, merged, snapshot.Categories);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="DocumentPreconditionFailedException">the product changed since <paramref name="ifMatch"/>.</exception>
    /// <returns>false when there is no such product, also for a SKU no product can have (SKUs come from URLs).</returns>
    public async Task<bool> DeleteAsync(string sku, string? ifMatch, CancellationToken cancellationToken = default)
    {
        var key = Skus.Normalize(sku);
        if (!DocumentRules.IsValidKey(key))
            return false;
        var container = await documents.GetContainerAsync(ProductsContainer, cancellationToken).ConfigureAwait(false);
        if (!await container.DeleteAsync(ProductsPartition, key, ifMatch, cancellationToken).ConfigureAwait(false))
            return false;
        await BumpVersionAsync(snapshot => new Snapshot(snapshot.Version, Without(snapshot.Products, key), snapshot.Categories), cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<Category> PutCategoryAsync(Category category, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(CategoriesContainer, cancellationToken).ConfigureAwait(false);
        await container.UpsertAsync(CategoriesPartition, category.Id, category, cancellationToken).ConfigureAwait(false);
        await BumpVersionAsync(snapshot => new Snapshot(snapshot.Version, snapshot.Products,
            new CategoryTree(snapshot.Categories.All.Where(c => !string.Equals(c.Id, category.Id, StringComparison.OrdinalIgnoreCase)).Append(category))), cancellationToken).ConfigureAwait(false);
        return category;
    }

    public async Task<ProductPage> SearchAsync(ProductQuery query, Func<string, int?> available, CancellationToken cancellationToken = default)
    {
        var snapshot = await CurrentAsync(cancellationToken).ConfigureAwait(false);
        var categories = query.Category is null ? null : snapshot.Categories.SubtreeOf(query.Category);
        var text = query.Text?.Trim();
        var matches = snapshot.Sorted(query.Sort, query.Descending).Where(stored =>
        {
            var p = stored.Product;
            return (query.IncludeInactive || p.Status == ProductStatus.Active)
                && (categories is null || categories.Contains(p.Category))
                && (query.Brand is null || string.Equals(p.Brand, query.Brand, StringComparison.OrdinalIgnoreCase))
                && (query.MinPrice is null || p.ListPrice >= query.MinPrice)
                && (query.MaxPrice is null || p.ListPrice <= query.MaxPrice)
                && query.Attributes.All(a => p.Attributes.TryGetValue(a.Key, out var value) && string.Equals(value, a.Value, StringComparison.OrdinalIgnoreCase))
                && (string.IsNullOrEmpty(text)
                    || p.Sku.Contains(text, StringComparison.OrdinalIgnoreCase)
                    || p.Name.Contains(text, StringComparison.OrdinalIgnoreCase)
                    || (p.Description?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false))
                && (!query.InStockOnly || available(p.Sku) > 0);
        });
        var offset = query.ContinuationToken is { } token ? ParseToken(token) : ((query.Page ?? 1) - 1) * query.PageSize;
        var page = new List<StoredProduct>(query.PageSize);
        var total = 0;
        foreach (var match in matches)
        {
            if (total >= offset && page.Count < query.PageSize)
                page.Add(match);
            total++;
        }
        var next = offset + page.Count < total ? $"p{offset + page.Count}" : null;
        return new ProductPage(page, total, next);
    }

    private static int ParseToken(string token) =>
        token.Length > 1 && token[0] == 'p' && int.TryParse(token.AsSpan(1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var offset)
            ? offset
            : throw new ArgumentException($"'{token}' is not a continuation token of this listing.", nameof(token));

    private async Task<StoredProduct> PublishAsync(StoredProduct product, CancellationToken cancellationToken)
    {
        var key = Skus.Normalize(product.Product.Sku);
        await BumpVersionAsync(snapshot => new Snapshot(snapshot.Version, With(snapshot.Products, key, product), snapshot.Categories), cancellationToken).ConfigureAwait(false);
        return product;
    }

    /// <summary>Records a new catalog version for other instances, and applies the change to this one's snapshot.</summary>
    private async Task BumpVersionAsync(Func<Snapshot, Snapshot> change, CancellationToken cancellationToken)
    {
        var current = await CurrentAsync(cancellationToken).ConfigureAwait(false);
        var version = Guid.NewGuid().ToString("N");
        var meta = await documents.GetContainerAsync(MetaContainer, cancellationToken).ConfigureAwait(false);
        await meta.UpsertAsync(VersionId, VersionId, new CatalogVersion(version, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        lock (_write)
        {
            var changed = change(_snapshot ?? current);
            _snapshot = new Snapshot(version, changed.Products, changed.Categories);
        }
    }

    private async ValueTask<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        var now = time.GetTimestamp();
        if (snapshot is not null && time.GetElapsedTime(Interlocked.Read(ref _checkedAt), now) < options.RefreshInterval)
            return snapshot;
        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            snapshot = _snapshot;
            if (snapshot is not null && time.GetElapsedTime(Interlocked.Read(ref _checkedAt), time.GetTimestamp()) < options.RefreshInterval)
                return snapshot;
            var meta = await documents.GetContainerAsync(MetaContainer, cancellationToken).ConfigureAwait(false);
            var version = (await meta.ReadAsync<CatalogVersion>(VersionId, VersionId, cancellationToken).ConfigureAwait(false))?.Value.Version ?? "";
            if (snapshot is null || snapshot.Version != version)
                snapshot = await LoadAsync(version, cancellationToken).ConfigureAwait(false);
            lock (_write)
                _snapshot = snapshot;
            Interlocked.Exchange(ref _checkedAt, time.GetTimestamp());
            return snapshot;
        }
        finally
        {
            _reload.Release();
        }
    }

    private async Task<Snapshot> LoadAsync(string version, CancellationToken cancellationToken)
    {
        var products = await documents.GetContainerAsync(ProductsContainer, cancellationToken).ConfigureAwait(false);
        var categories = await documents.GetContainerAsync(CategoriesContainer, cancellationToken).ConfigureAwait(false);
        var all = DocumentQuery.All with { PageSize = DocumentQuery.MaxPageSize };
        var productDocs = await products.QueryAllAsync(ProductsPartition, all, cancellationToken).ConfigureAwait(false);
        var categoryDocs = await categories.QueryAllAsync(CategoriesPartition, all, cancellationToken).ConfigureAwait(false);
        return new Snapshot(
            version,
            productDocs.ToDictionary(d => d.Id, d => new StoredProduct(d.Deserialize<Product>(), d.ETag), StringComparer.Ordinal),
            new CategoryTree(categoryDocs.Select(d => d.Deserialize<Category>())));
    }

    private static Dictionary<string, StoredProduct> With(IReadOnlyDictionary<string, StoredProduct> products, string key, StoredProduct product) =>
        new(products, StringComparer.Ordinal) { [key] = product };

    private static Dictionary<string, StoredProduct> Without(IReadOnlyDictionary<string, StoredProduct> products, string key)
    {
        var copy = new Dictionary<string, StoredProduct>(products, StringComparer.Ordinal);
        copy.Remove(key);
        return copy;
    }
}
