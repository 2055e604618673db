using System.Security.Cryptography;
using Commerce.Events.Outbox;
using Commerce.Storage.Documents;

namespace Commerce.Events.Webhooks;

/// <summary>A partner's endpoint and the event types it receives, signed with its secret (Standard Webhooks).</summary>
/// <param name="EventTypes">system event types (order_paid, ...) or "*" for every type.</param>
/// <param name="Secret">whsec_ followed by the base64 key; shown once, when the subscription is made.</param>
public sealed record WebhookSubscription(string Id, Uri Url, IReadOnlyList<string> EventTypes, string Secret, DateTimeOffset CreatedAt)
{
    public const string AllTypes = "*";

    public bool Wants(string eventType) => EventTypes.Contains(AllTypes) || EventTypes.Contains(eventType);
}

/// <summary>What the API shows of a subscription: everything but the secret.</summary>
public sealed record WebhookSubscriptionView(string Id, Uri Url, IReadOnlyList<string> EventTypes, DateTimeOffset CreatedAt)
{
    public static WebhookSubscriptionView Of(WebhookSubscription subscription) =>
        new(subscription.Id, subscription.Url, subscription.EventTypes, subscription.CreatedAt);
}

/// <summary>Partner subscriptions, a handful per shop: one partition.</summary>
public sealed class WebhookSubscriptions(IDocumentStore documents)
{
    public const string Container = "webhook-subscriptions";
    public const string SecretPrefix = "whsec_";
    private const string Partition = "subscriptions";

    /// <summary>The event types a subscription may name.</summary>
    public static IReadOnlySet<string> KnownTypes { get; } = new HashSet<string>(SystemEventTypes.Published, StringComparer.Ordinal)
    {
        WebhookSubscription.AllTypes,
    };

    private IDocumentContainer? _container;

    private async Task<IDocumentContainer> ContainerAsync(CancellationToken cancellationToken) =>
        _container ??= await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);

    /// <summary>A new signing secret: 24 random bytes, as Standard Webhooks suggests (between 24 and 64).</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    /// <summary>Whether <paramref name="secret"/> is whsec_ and base64 of 24 to 64 bytes.</summary>
    public static bool IsValidSecret(string secret)
    {
        if (!secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
            return false;
        var key = new byte[96];
        return Convert.TryFromBase64String(secret[SecretPrefix.Length..], key, out var length) && length is >= 24 and <= 64;
    }

    public async Task AddAsync(WebhookSubscription subscription, CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        await container.CreateAsync(Partition, subscription.Id, subscription, cancellationToken).ConfigureAwait(false);
    }

    /// <returns>null for an unknown id, including one no document could have.</returns>
    public async Task<WebhookSubscription?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!DocumentRules.IsValidKey(id))
            return null;
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        return (await container.ReadAsync<WebhookSubscription>(Partition, id, cancellationToken).ConfigureAwait(false))?.Value;
    }

    public async Task<IReadOnlyList<WebhookSubscription>> ListAsync(CancellationToken cancellationToken = default)
    {
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        var found = await container.QueryAllAsync(Partition, DocumentQuery.All with { PageSize = DocumentQuery.MaxPageSize }, cancellationToken).ConfigureAwait(false);
        return [.. found.Select(d => d.Deserialize<WebhookSubscription>()).OrderBy(s => s.CreatedAt)];
    }

    public async Task<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        if (!DocumentRules.IsValidKey(id))
            return false;
        var container = await ContainerAsync(cancellationToken).ConfigureAwait(false);
        return await container.DeleteAsync(Partition, id, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
