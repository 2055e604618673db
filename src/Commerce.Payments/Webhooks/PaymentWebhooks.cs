using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Commerce.Storage.Documents;

namespace Commerce.Payments.Webhooks;

/// <summary>A provider's word on a payment, carried by a signed webhook.</summary>
/// <param name="Type">PaymentConfirmed or PaymentFailed.</param>
public sealed record PaymentEvent(string Id, string Type, string OrderId, string AuthorizationId, decimal Amount, string Currency, string? Reason = null)
{
    public const string Confirmed = "PaymentConfirmed";
    public const string Failed = "PaymentFailed";
}

public enum WebhookVerdict
{
    Accepted,
    /// <summary>Signature missing, wrong or outside the time tolerance: answer 401 and change nothing.</summary>
    Unauthorized,
    /// <summary>Signed correctly but not an event we understand: answer 400.</summary>
    Malformed,
}

public sealed record WebhookCheck(WebhookVerdict Verdict, PaymentEvent? Event, string? Reason);

/// <summary>What an event about an order's payment must name: one of the order's authorizations on the channel, and the order's total.</summary>
public sealed record PaymentExpectation(string OrderId, IReadOnlySet<string> AuthorizationIds, decimal Amount, string Currency);

public enum ClaimOutcome
{
    /// <summary>This delivery may act on the event; complete or release the claim afterwards.</summary>
    Claimed,
    /// <summary>Another delivery is acting on it now: answer so that the provider tries again later.</summary>
    InProgress,
    /// <summary>Acted on before: answer 200 and do nothing again.</summary>
    Processed,
}

public sealed record WebhookClaim(ClaimOutcome Outcome, string? ETag = null);

/// <summary>
/// Signed webhooks: the header <c>Payment-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;[,v1=...]</c> carries
/// HMAC-SHA256 of "{t}.{body}" under the channel's secret (several v1 values allow rotating secrets);
/// a timestamp more than five minutes away is refused. One delivery of an event id acts: it claims the id
/// by creating its record (create-if-absent), so parallel deliveries cannot both act.
/// </summary>
public sealed class PaymentWebhooks(IReadOnlyDictionary<string, IReadOnlyList<string>> secrets, IDocumentStore documents, TimeProvider time)
{
    public const string SignatureHeader = "Payment-Signature";
    public const string Container = "payment-webhooks";
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>How long a claim holds an event id before a later delivery may take over (the first one died acting on it).</summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(2);

    private const string Processing = "processing";
    private const string Processed = "processed";

    /// <summary>Checks the signature and reads the event; changes nothing.</summary>
    public WebhookCheck Verify(string channel, string? signatureHeader, ReadOnlyMemory<byte> body)
    {
        if (!secrets.TryGetValue(channel, out var channelSecrets) || channelSecrets.Count == 0)
            return new WebhookCheck(WebhookVerdict.Unauthorized, null, $"no webhook secret for channel '{channel}'");
        if (!TryParse(signatureHeader, out var timestamp, out var signatures))
            return new WebhookCheck(WebhookVerdict.Unauthorized, null, $"missing or malformed {SignatureHeader} header");
        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(timestamp);
        if (age.Duration() > Tolerance)
            return new WebhookCheck(WebhookVerdict.Unauthorized, null, "timestamp outside the five-minute tolerance");
        var valid = channelSecrets.Any(secret =>
        {
            var expected = Sign(secret, timestamp, body.Span);
            return signatures.Any(s => CryptographicOperations.FixedTimeEquals(expected, s));
        });
        if (!valid)
            return new WebhookCheck(WebhookVerdict.Unauthorized, null, "signature does not match");

        PaymentEvent? payment;
        try
        {
            payment = JsonSerializer.Deserialize<PaymentEvent>(body.Span, DocumentJson.Options);
        }
        catch (JsonException e)
        {
            return new WebhookCheck(WebhookVerdict.Malformed, null, e.Message);
        }
        if (payment is null || string.IsNullOrWhiteSpace(payment.Id) || string.IsNullOrWhiteSpace(payment.OrderId) || string.IsNullOrWhiteSpace(payment.AuthorizationId)
            || string.IsNullOrWhiteSpace(payment.Currency) || payment.Type is not (PaymentEvent.Confirmed or PaymentEvent.Failed))
            return new WebhookCheck(WebhookVerdict.Malformed, null, "expected id, type (PaymentConfirmed or PaymentFailed), orderId, authorizationId, amount, currency");
        return new WebhookCheck(WebhookVerdict.Accepted, payment, null);
    }

    /// <summary>Field errors (by the event's JSON names) where the event does not match what its order expects; empty when it matches.</summary>
    public static Dictionary<string, string[]> Mismatches(PaymentEvent payment, PaymentExpectation expected)
    {
        var errors = new Dictionary<string, string[]>();
        if (!expected.AuthorizationIds.Contains(payment.AuthorizationId))
            errors["authorizationId"] = [$"'{payment.AuthorizationId}' is not an authorization of order '{expected.OrderId}' on this channel"];
        if (payment.Amount != expected.Amount)
            errors["amount"] = [string.Create(CultureInfo.InvariantCulture, $"is {payment.Amount}; order '{expected.OrderId}' is for {expected.Amount}")];
        if (!string.Equals(payment.Currency, expected.Currency, StringComparison.Ordinal))
            errors["currency"] = [$"is '{payment.Currency}'; order '{expected.OrderId}' is in {expected.Currency}"];
        return errors;
    }

    /// <summary>
    /// Claims the event id for this delivery with a create-if-absent write. A claim older than <see cref="ClaimLease"/>
    /// that never completed is taken over with an If-Match write, so only one later delivery gets it.
    /// </summary>
    public async Task<WebhookClaim> ClaimAsync(string channel, PaymentEvent payment, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        var id = IdOf(payment.Id);
        var now = time.GetUtcNow();
        var claim = new WebhookRecord(payment.Id, payment.OrderId, Processing, now, null);
        try
        {
            return new WebhookClaim(ClaimOutcome.Claimed, (await container.CreateAsync(channel, id, claim, cancellationToken).ConfigureAwait(false)).ETag);
        }
        catch (DocumentConflictException)
        {
            // Claimed before; what became of that claim decides.
        }
        if (await container.ReadAsync<WebhookRecord>(channel, id, cancellationToken).ConfigureAwait(false) is not { } seen)
            return new WebhookClaim(ClaimOutcome.InProgress);
        if (seen.Value.State == Processed)
            return new WebhookClaim(ClaimOutcome.Processed);
        if (now - seen.Value.ClaimedAt < ClaimLease)
            return new WebhookClaim(ClaimOutcome.InProgress);
        try
        {
            return new WebhookClaim(ClaimOutcome.Claimed, (await container.ReplaceAsync(channel, id, claim, seen.ETag, cancellationToken).ConfigureAwait(false)).ETag);
        }
        catch (Exception e) when (DocumentConflicts.IsLostRace(e))
        {
            return new WebhookClaim(ClaimOutcome.InProgress);
        }
    }

    /// <summary>Marks a claimed event as acted on, so later deliveries are duplicates.</summary>
    public async Task CompleteAsync(string channel, PaymentEvent payment, string claimETag, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        await container.ReplaceAsync(channel, IdOf(payment.Id), new WebhookRecord(payment.Id, payment.OrderId, Processed, now, now), claimETag, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gives a claim up after acting failed, so that the provider's next delivery acts.</summary>
    public async Task ReleaseAsync(string channel, PaymentEvent payment, string claimETag, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        try
        {
            await container.DeleteAsync(channel, IdOf(payment.Id), claimETag, cancellationToken).ConfigureAwait(false);
        }
        catch (DocumentPreconditionFailedException)
        {
            // Taken over already; the new holder decides.
        }
    }

    /// <summary>The header value a provider sends for <paramref name="body"/> (the sandbox and tests sign with it).</summary>
    public static string SignatureFor(string secret, DateTimeOffset at, ReadOnlySpan<byte> body)
    {
        var timestamp = at.ToUnixTimeSeconds();
        return string.Create(CultureInfo.InvariantCulture, $"t={timestamp},v1={Convert.ToHexStringLower(Sign(secret, timestamp, body))}");
    }

    private static byte[] Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{timestamp}."));
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }

    private static bool TryParse(string? header, out long timestamp, out List<byte[]> signatures)
    {
        timestamp = 0;
        signatures = [];
        if (string.IsNullOrWhiteSpace(header))
            return false;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0)
                return false;
            var (key, value) = (part[..equals], part[(equals + 1)..]);
            if (key == "t" && !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out timestamp))
                return false;
            if (key == "v1")
            {
                try
                {
                    signatures.Add(Convert.FromHexString(value));
                }
                catch (FormatException)
                {
                    return false;
                }
            }
        }
        return timestamp > 0 && timestamp <= DateTimeOffset.MaxValue.ToUnixTimeSeconds() && signatures.Count > 0;
    }

    private sealed record WebhookRecord(string Id, string OrderId, string State, DateTimeOffset ClaimedAt, DateTimeOffset? ProcessedAt);

    private static string IdOf(string eventId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)))[..32];
}
