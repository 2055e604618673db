namespace Commerce.Hosting.Http.Idempotency;

/// <summary>
/// What is kept per idempotency key: the fingerprint of the first request, and once it has finished
/// successfully, its response, so that a repeat gets exactly the same answer.
/// </summary>
public sealed record IdempotencyRecord
{
    public required string Key { get; init; }
    public required string Owner { get; init; }
    public required string RequestFingerprint { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>While in progress: until when the request that holds the key may keep it before another takes over.</summary>
    public DateTimeOffset LeaseUntil { get; init; }

    public int? StatusCode { get; init; }
    public Dictionary<string, string>? Headers { get; init; }
    public string? Body { get; init; }

    public bool Completed => CompletedAt is not null;
}
