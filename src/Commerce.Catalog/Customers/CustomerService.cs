using Commerce.Storage.Documents;

namespace Commerce.Catalog.Customers;

/// <summary>
/// Customer accounts in one partition (listing and filtering them needs no cross-partition query; fine for
/// hundreds of thousands of accounts). A first authenticated call creates a consumer account.
/// </summary>
public sealed class CustomerService(IDocumentStore documents, TimeProvider time)
{
    public const string Container = "customers";
    private const string Partition = "customers";

    private async Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) =>
        await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);

    /// <returns>null also for an id no account can have (ids come from URLs).</returns>
    public async Task<(Customer Customer, string ETag)?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        DocumentRules.IsValidKey(id)
            ? await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<Customer>(Partition, id, cancellationToken).ConfigureAwait(false)
            : null;

    public async Task<(Customer Customer, string ETag)> GetOrCreateAsync(string id, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        // A create that conflicts was beaten by a concurrent first call: the next attempt reads theirs.
        return await DocumentConflicts.RetryAsync(Container, Partition, id, async () =>
        {
            if (await container.ReadAsync<Customer>(Partition, id, cancellationToken).ConfigureAwait(false) is { } existing)
                return existing;
            var now = time.GetUtcNow();
            var customer = new Customer { Id = id, CreatedAt = now, UpdatedAt = now };
            return (customer, (await container.CreateAsync(Partition, id, customer, cancellationToken).ConfigureAwait(false)).ETag);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores a new account; one that exists already is left as it is.</summary>
    /// <returns>true when it was created.</returns>
    public async Task<bool> AddAsync(Customer customer, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await container.CreateAsync(Partition, customer.Id, customer, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DocumentConflictException)
        {
            return false;
        }
    }

    /// <summary>Sets the tier computed from the customer's spend, where it differs.</summary>
    /// <returns>true when it changed.</returns>
    public async Task<bool> SetMembershipTierAsync(string id, MembershipTier tier, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var changed = false;
        await container.ChangeAsync<Customer>(Partition, id, current =>
        {
            changed = current is not null && current.MembershipTier != tier;
            return changed ? current! with { MembershipTier = tier, UpdatedAt = time.GetUtcNow() } : current;
        }, cancellationToken).ConfigureAwait(false);
        return changed;
    }

    /// <summary>
    /// Sets the credit limit and payment terms an offer granted, with the offer's id, unless that offer set them already;
    /// the account as it is after (null when there is none), so a retried approval reads the terms the first one set.
    /// </summary>
    public async Task<Customer?> GrantCreditTermsAsync(string id, string offerId, decimal creditLimit, string currency, int paymentTermsDays, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        return await container.ChangeAsync<Customer>(Partition, id, current => current is null || current.CreditTermsOfferId == offerId
            ? current
            : current with { CreditLimit = creditLimit, CreditCurrency = currency, PaymentTermsDays = paymentTermsDays, CreditTermsOfferId = offerId, UpdatedAt = time.GetUtcNow() },
            cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="DocumentPreconditionFailedException">it changed since <paramref name="ifMatch"/>.</exception>
    public async Task<(Customer Customer, string ETag)> PutAsync(Customer customer, string? ifMatch, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var updated = customer with { UpdatedAt = time.GetUtcNow() };
        var written = ifMatch is null
            ? await container.UpsertAsync(Partition, customer.Id, updated, cancellationToken).ConfigureAwait(false)
            : await container.ReplaceAsync(Partition, customer.Id, updated, ifMatch, cancellationToken).ConfigureAwait(false);
        return (updated, written.ETag);
    }

    public async Task<(IReadOnlyList<Customer> Customers, string? ContinuationToken)> ListAsync(CustomerKind? kind, string? priceListId, int pageSize, string? continuationToken, CancellationToken cancellationToken = default)
    {
        var query = DocumentQuery.All with { OrderBy = "createdAt", Descending = true, PageSize = pageSize, ContinuationToken = continuationToken };
        if (kind is { } k)
            query = query.Where("kind", k);
        if (priceListId is not null)
            query = query.Where("priceListId", priceListId);
        var page = await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).QueryAsync(Partition, query, cancellationToken).ConfigureAwait(false);
        return (page.Items.Select(i => i.Deserialize<Customer>()).ToList(), page.ContinuationToken);
    }
}
