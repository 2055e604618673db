using Commerce.Storage.Documents;

namespace Commerce.Orders.Cart;

public sealed record CartLine(string Sku, int Quantity)
{
    /// <summary>The most units of one product a cart line or an order line may hold.</summary>
    public const int MaxQuantity = 100_000;

    /// <summary>Why <paramref name="quantity"/> cannot be a line's quantity, or null when it can.</summary>
    public static string? QuantityProblem(int quantity) =>
        quantity is < 1 or > MaxQuantity ? $"must be from 1 to {MaxQuantity:N0}" : null;
}

/// <summary>A customer's cart: SKUs and quantities only; prices are always quoted afresh when it is shown or checked out.</summary>
public sealed record Cart(string CustomerId, IReadOnlyList<CartLine> Lines, DateTimeOffset UpdatedAt)
{
    public static Cart Empty(string customerId) => new(customerId, [], DateTimeOffset.MinValue);
}

/// <summary>Carts in the document store (partition = customer), so they survive restarts and follow the customer across devices.</summary>
public sealed class CartService(IDocumentStore documents, TimeProvider time)
{
    public const string Container = "carts";
    private const string CartId = "cart";
    public const int MaxLines = 200;

    private async Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) =>
        await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);

    public async Task<Cart> GetAsync(string customerId, CancellationToken cancellationToken = default) =>
        (await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<Cart>(customerId, CartId, cancellationToken).ConfigureAwait(false))?.Value
        ?? Cart.Empty(customerId);

    /// <summary>Sets the quantity of a line (case-insensitive SKU), adding it if new.</summary>
    public Task<Cart> SetLineAsync(string customerId, string sku, int quantity, CancellationToken cancellationToken = default) =>
        ChangeAsync(customerId, cart =>
        {
            var lines = cart.Lines.Where(l => !string.Equals(l.Sku, sku, StringComparison.OrdinalIgnoreCase)).ToList();
            if (lines.Count >= MaxLines)
                throw new InvalidOperationException($"A cart holds at most {MaxLines} lines.");
            lines.Add(new CartLine(sku, quantity));
            return lines;
        }, cancellationToken);

    public Task<Cart> RemoveLineAsync(string customerId, string sku, CancellationToken cancellationToken = default) =>
        ChangeAsync(customerId, cart => cart.Lines.Where(l => !string.Equals(l.Sku, sku, StringComparison.OrdinalIgnoreCase)).ToList(), cancellationToken);

    public async Task ClearAsync(string customerId, CancellationToken cancellationToken = default) =>
        await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).DeleteAsync(customerId, CartId, cancellationToken: cancellationToken).ConfigureAwait(false);

    private async Task<Cart> ChangeAsync(string customerId, Func<Cart, List<CartLine>> change, CancellationToken cancellationToken)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        return (await container.ChangeAsync<Cart>(customerId, CartId,
            current => new Cart(customerId, change(current ?? Cart.Empty(customerId)), time.GetUtcNow()), cancellationToken).ConfigureAwait(false))!;
    }
}
