using System.Text.RegularExpressions;
using Commerce.Hosting.Timers;

namespace Commerce.Hosting.Functions;

/// <summary>
/// The single list of the app's functions. HTTP routing, the local trigger runtime, the custom handler
/// endpoints and the generated function.json files are all driven from it.
/// </summary>
public sealed partial class FunctionCatalog
{
    private readonly List<FunctionDefinition> _functions = [];
    private readonly Dictionary<string, string> _shortcuts = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<FunctionDefinition> All => _functions;

    public IEnumerable<HttpFunction> Http() => _functions.OfType<HttpFunction>();
    public IEnumerable<TimerFunction> Timers() => _functions.OfType<TimerFunction>();
    public IEnumerable<QueueFunction> Queues() => _functions.OfType<QueueFunction>();

    /// <summary>Paths outside /api (no leading '/') and the /api route each redirects to; see <see cref="AddShortcut"/>.</summary>
    public IReadOnlyDictionary<string, string> Shortcuts => _shortcuts;

    public FunctionDefinition? Find(string name) => _functions.Find(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <param name="route">relative to /api, in ASP.NET Core / Azure Functions route template syntax.</param>
    /// <param name="handler">a minimal-API handler: its parameters bind from route, query, body and services.</param>
    public HttpFunction AddHttp(string name, string route, string[] methods, Delegate handler, AuthLevel authLevel = AuthLevel.Anonymous, Action<Microsoft.AspNetCore.Builder.RouteHandlerBuilder>? configure = null)
    {
        if (methods.Length == 0)
            throw new ArgumentException($"HTTP function '{name}' needs at least one method.", nameof(methods));
        if (route.StartsWith('/') || route.StartsWith("api/", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"HTTP function '{name}': the route '{route}' is relative to /api and must not start with '/' or 'api/'.", nameof(route));
        return Add(new HttpFunction(name, route, methods.Select(m => m.ToUpperInvariant()).ToArray(), authLevel, handler) { Configure = configure });
    }

    /// <summary>
    /// A short address outside /api that redirects to an HTTP function's route, answered only when the app runs on its
    /// own: the Functions host forwards nothing outside its route prefix, so under it the function's own address is the one to use.
    /// </summary>
    /// <param name="path">the address without its leading '/', outside /api.</param>
    /// <param name="route">the target, relative to /api like <see cref="AddHttp"/>'s route.</param>
    public FunctionCatalog AddShortcut(string path, string route)
    {
        if (path.Length == 0 || path.StartsWith('/') || path.Equals("api", StringComparison.OrdinalIgnoreCase) || path.StartsWith("api/", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"The shortcut '{path}' must be a path outside /api without its leading '/'.", nameof(path));
        if (!_shortcuts.TryAdd(path, route))
            throw new ArgumentException($"The shortcut '{path}' is already registered.", nameof(path));
        return this;
    }

    /// <param name="schedule">a six-field NCRONTAB expression: second minute hour day month day-of-week.</param>
    public TimerFunction AddTimer(string name, string schedule, Func<TimerInfo, FunctionContext, Task> handler, bool runOnStartup = false, bool useMonitor = true) =>
        Add(new TimerFunction(name, TimerSchedule.Parse(schedule), handler) { RunOnStartup = runOnStartup, UseMonitor = useMonitor });

    /// <summary>A function fed by a storage queue; each message is JSON for <typeparamref name="TMessage"/>.</summary>
    public QueueFunction AddQueue<TMessage>(string name, string queueName, Func<TMessage, FunctionContext, Task> handler, int? batchSize = null, int? newBatchThreshold = null)
    {
        if (batchSize is < 1 or > 32)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "A queue batch has 1 to 32 messages.");
        Commerce.Storage.StorageNames.Validate("queue", queueName);
        if (queueName.EndsWith("-poison", StringComparison.Ordinal))
            throw new ArgumentException($"Queue function '{name}' cannot listen on a poison queue ('{queueName}').", nameof(queueName));
        return Add(new QueueFunction(name, queueName, typeof(TMessage), (message, context) => handler((TMessage)message, context))
        {
            BatchSize = batchSize,
            NewBatchThreshold = newBatchThreshold,
        });
    }

    private T Add<T>(T function) where T : FunctionDefinition
    {
        if (!FunctionName().IsMatch(function.Name))
            throw new ArgumentException($"'{function.Name}' is not a valid function name: a letter, then up to 127 letters, digits, '_' or '-'.");
        if (Find(function.Name) is not null)
            throw new ArgumentException($"A function named '{function.Name}' is already registered.");
        _functions.Add(function);
        return function;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_-]{0,127}$")]
    private static partial Regex FunctionName();
}
