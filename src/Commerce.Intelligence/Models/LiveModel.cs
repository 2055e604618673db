using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commerce.Intelligence.Models;

/// <summary>
/// The live version of one model kind in this process. A background loop looks at `latest` every refresh
/// interval; when it names another version, the version is loaded completely and only then swapped in with
/// one reference write, so a request sees the old model or the new one, never a half-loaded one. A version
/// that fails to load is logged and the current model keeps serving.
/// </summary>
public sealed class LiveModel<T>(ModelRegistry registry, string kind, Func<ModelFiles, T> load, TimeSpan refreshInterval, TimeProvider time, ILogger<LiveModel<T>> logger)
    : BackgroundService where T : class
{
    private volatile Loaded? _current;

    public sealed record Loaded(string Version, T Model, ModelManifest Manifest);

    /// <summary>The model serving now, or null before any version was promoted.</summary>
    public Loaded? Current => _current;

    /// <summary>Loads `latest` if it names another version than the one serving; true when it swapped.</summary>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        var latest = await registry.LatestAsync(kind, cancellationToken).ConfigureAwait(false);
        if (latest is null || latest.Version == _current?.Version)
            return false;
        var files = await registry.OpenAsync(kind, latest.Version, cancellationToken).ConfigureAwait(false);
        var model = load(files);
        _current = new Loaded(latest.Version, model, files.Manifest);
        logger.LogInformation("Serving {Kind} model {Version}", kind, latest.Version);
        return true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not load the latest {Kind} model; version {Version} keeps serving", kind, _current?.Version ?? "(none)");
            }
            try
            {
                await Task.Delay(refreshInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
