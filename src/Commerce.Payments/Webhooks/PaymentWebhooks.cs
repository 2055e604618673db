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
    /// <summary>This event id was processed before: answer 200 and do nothing again.</summary>
    Duplicate,
}

public sealed record WebhookCheck(WebhookVerdict Verdict, PaymentEvent? Event, string? Reason);

/// <summary>
/// Signed webhooks: the header <c>Payment-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;[,v1=...]</c> carries
/// HMAC-SHA256 of "{t}.{body}" under the channel's secret (several v1 values allow rotating secrets);
/// a timestamp more than five minutes away is refused, and an event id already processed is a duplicate.
/// </summary>
public sealed class PaymentWebhooks(IReadOnlyDictionary<string, IReadOnlyList<string>> secrets, IDocumentStore documents, TimeProvider time)
{
    public const string SignatureHeader = "Payment-Signature";
    public const string Container = "payment-webhooks";
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    public async Task<WebhookCheck> CheckAsync(string channel, string? signatureHeader, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
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
            || payment.Type is not (PaymentEvent.Confirmed or PaymentEvent.Failed))
            return new WebhookCheck(WebhookVerdict.Malformed, null, "expected id, type (PaymentConfirmed or PaymentFailed), orderId, authorizationId, amount, currency");
        var seen = await (await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false)).ReadAsync(channel, IdOf(payment.Id), cancellationToken).ConfigureAwait(false);
        return seen is null ? new WebhookCheck(WebhookVerdict.Accepted, payment, null) : new WebhookCheck(WebhookVerdict.Duplicate, payment, "already processed");
    }

    /// <summary>Remembers an accepted event once it has been acted on, so later deliveries are duplicates.</summary>
    public async Task MarkProcessedAsync(string channel, PaymentEvent payment, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        await container.UpsertAsync(channel, IdOf(payment.Id), new { payment.Id, payment.OrderId, processedAt = time.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
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

    private static string IdOf(string eventId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(eventId)))[..32];
}
