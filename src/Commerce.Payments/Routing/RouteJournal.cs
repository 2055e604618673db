using Commerce.Storage.Documents;

namespace Commerce.Payments.Routing;

public sealed record RouteEntry(string Channel, bool Unavailable);

/// <summary>
/// Which channels an authorization (by idempotency key) was sent to, written before each call: a repeat
/// of the call follows the same route, skipping channels that answered "unavailable" and going back to the
/// one that was reached, even when its answer was lost.
/// </summary>
public sealed class RouteJournal(IDocumentStore documents)
{
    public const string Container = "payment-routes";

    private sealed record Route(List<RouteEntry> Entries);

    public async Task<IReadOnlyList<RouteEntry>> ReadAsync(string idempotencyKey, CancellationToken cancellationToken = default) =>
        (await (await ContainerAsync(cancellationToken).ConfigureAwait(false)).ReadAsync<Route>(Key(idempotencyKey), "route", cancellationToken).ConfigureAwait(false))?.Value.Entries ?? [];

    public Task CallingAsync(string idempotencyKey, string channel, CancellationToken cancellationToken = default) =>
        ChangeAsync(idempotencyKey, entries => entries.Any(e => e.Channel == channel) ? null : [.. entries, new RouteEntry(channel, false)], cancellationToken);

    public Task UnavailableAsync(string idempotencyKey, string channel, CancellationToken cancellationToken = default) =>
        ChangeAsync(idempotencyKey, entries => entries.Select(e => e.Channel == channel ? e with { Unavailable = true } : e).ToList(), cancellationToken);

    private async Task ChangeAsync(string idempotencyKey, Func<List<RouteEntry>, List<RouteEntry>?> change, CancellationToken cancellationToken)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        await container.ChangeAsync<Route>(Key(idempotencyKey), "route",
            current => change(current?.Entries ?? []) is { } next ? new Route(next) : null, cancellationToken).ConfigureAwait(false);
    }

    private static string Key(string idempotencyKey) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(idempotencyKey)))[..32];

    private async Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) =>
        await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
}
