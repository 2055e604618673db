namespace Commerce.Storage;

/// <summary>What a store reports about itself to the health endpoint and to start-up checks.</summary>
public sealed record StoreHealth(string Store, string Adapter, bool Ready, string? Detail = null);

/// <summary>Implemented by every adapter so start-up and /api/health can ask it whether it is usable.</summary>
public interface IStoreHealthCheck
{
    Task<StoreHealth> CheckHealthAsync(CancellationToken cancellationToken = default);
}

/// <summary>Thrown at start-up when a store cannot be reached or is misconfigured; the message is one line for the operator.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
