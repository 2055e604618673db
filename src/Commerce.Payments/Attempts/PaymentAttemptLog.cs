using Commerce.Payments.Channels;
using Commerce.Storage.Documents;

namespace Commerce.Payments.Attempts;

/// <summary>One call to a payment channel and what came of it: the raw material of the payment KPIs.</summary>
public sealed record PaymentAttempt(
    string Id,
    string OrderId,
    string Channel,
    string Operation,
    decimal Amount,
    string Currency,
    ChannelOutcome Outcome,
    string? DeclineCode,
    double LatencyMs,
    DateTimeOffset At,
    string? AuthorizationId = null,
    string? IdempotencyKey = null);

/// <summary>
/// Every attempt, written twice: under its order (for the order's page) and under its UTC day (for success
/// rates and failure reasons over time), so both reads are single-partition. Ids are stable per call, so a
/// repeated activity overwrites rather than duplicates.
/// </summary>
public sealed class PaymentAttemptLog(IDocumentStore documents)
{
    public const string Container = "payment-attempts";
    private const string DayPrefix = "day:";

    public async Task RecordAsync(PaymentAttempt attempt, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        await container.UpsertAsync("order:" + attempt.OrderId, attempt.Id, attempt, cancellationToken).ConfigureAwait(false);
        await container.UpsertAsync(DailyPartitions.Key(attempt.At, DayPrefix), attempt.Id, attempt, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<PaymentAttempt>> ForOrderAsync(string orderId, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        var documentsFound = await container.QueryAllAsync("order:" + orderId, DocumentQuery.All with { OrderBy = "at", PageSize = 500 }, cancellationToken).ConfigureAwait(false);
        return documentsFound.Select(d => d.Deserialize<PaymentAttempt>()).ToList();
    }

    public async Task<IReadOnlyList<PaymentAttempt>> ForDayAsync(DateOnly day, CancellationToken cancellationToken = default)
    {
        var container = await documents.GetContainerAsync(Container, cancellationToken).ConfigureAwait(false);
        var documentsFound = await container.QueryAllAsync(DayPrefix + day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            DocumentQuery.All with { OrderBy = "at", PageSize = DocumentQuery.MaxPageSize }, cancellationToken).ConfigureAwait(false);
        return documentsFound.Select(d => d.Deserialize<PaymentAttempt>()).ToList();
    }
}
