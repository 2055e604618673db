using Commerce.Hosting.Auth;
using Commerce.Hosting.CustomHandler;
using Commerce.Hosting.Functions;
using Commerce.Hosting.Http;
using Commerce.Hosting.Http.Idempotency;
using Commerce.Hosting.Metadata;
using Commerce.Hosting.Queues;
using Commerce.Hosting.Settings;
using Commerce.Hosting.Storage;
using Commerce.Hosting.Telemetry;
using Commerce.Hosting.Timers;
using Commerce.Storage;
using Commerce.Storage.Documents;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Commerce.Hosting;

/// <summary>A command run instead of the server: `dotnet run --project functions -- &lt;name&gt; [args]`.</summary>
public delegate Task<int> FunctionAppCommand(string[] arguments, IServiceProvider services, TextWriter output);

/// <summary>
/// Builds the function app: an ASP.NET Core app that answers HTTP functions under /api, runs timer and
/// queue functions itself when started locally, and speaks the Azure Functions custom handler protocol
/// when the Functions host starts it (FUNCTIONS_CUSTOMHANDLER_PORT set).
/// </summary>
public sealed class FunctionAppBuilder
{
    public const string DefaultUrl = "http://localhost:7071";
    public const string CustomHandlerPortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";
    public const string OpenApiDocumentName = "v1";

    private readonly string[] _args;
    private readonly string? _command;
    private readonly Dictionary<string, FunctionAppCommand> _commands = new(StringComparer.Ordinal);

    private FunctionAppBuilder(string[] args)
    {
        _command = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : null;
        _args = _command is null ? args : args[1..];
        Web = WebApplication.CreateBuilder(new WebApplicationOptions { Args = _args, ContentRootPath = AppContext.BaseDirectory, EnvironmentName = DefaultEnvironment(_args) });
        AddLocalSettings(Web.Configuration);
        Web.Configuration.AddCommandLine(_args, new Dictionary<string, string> { ["--preset"] = StorageSetup.PresetSetting });
        AddCommand("generate-metadata", GenerateMetadataAsync);
        AddCommand("dev-token", DevTokenAsync);
    }

    public static FunctionAppBuilder Create(string[] args) => new(args);

    public WebApplicationBuilder Web { get; }
    public IServiceCollection Services => Web.Services;
    public ConfigurationManager Configuration => Web.Configuration;
    public FunctionCatalog Functions { get; } = new();

    /// <summary>Every document container the app uses; each area declares its own when it registers its services.</summary>
    public DocumentContainerCatalog DocumentContainers { get; } = new DocumentContainerCatalog().Add(IdempotencyStore.Container);

    /// <summary>
    /// The port the Azure Functions host gave this custom handler (its environment variable, or the same name on the
    /// command line); null when the app runs on its own.
    /// </summary>
    /// <exception cref="SettingsException">the port is not a whole number from 1 to 65535.</exception>
    public int? CustomHandlerPort => Configuration.GetString(CustomHandlerPortVariable) is null ? null : Configuration.GetInt(CustomHandlerPortVariable, 0, 1, 65535);

    /// <summary>True when the Azure Functions host runs the app; the host then owns timers and queues.</summary>
    public bool UnderFunctionsHost => CustomHandlerPort is not null;

    public FunctionAppBuilder AddCommand(string name, FunctionAppCommand command)
    {
        _commands[name] = command;
        return this;
    }

    /// <exception cref="SettingsException">a setting is invalid.</exception>
    public FunctionApp Build()
    {
        var configuration = Web.Configuration;
        RequiredSettings.Check(configuration, configuration.GetEnum(StorageSetup.PresetSetting, StoragePreset.Embedded));
        var queueOptions = QueueTriggerOptions.Read(configuration);
        var timerOptions = TimerTriggerOptions.Read(configuration);
        var maxBodyBytes = configuration.GetLong("Http:MaxRequestBodyBytes", 1024 * 1024, 1024, 1024L * 1024 * 1024);
        var shutdownTimeout = configuration.GetTimeSpan("Host:ShutdownTimeout", TimeSpan.FromSeconds(30), TimeSpan.Zero, TimeSpan.FromMinutes(10));
        var cors = CorsSettings.Read(configuration);
        var rateLimits = RateLimitSettings.Read(configuration);
        var telemetry = TelemetrySettings.Read(configuration);

        var customHandlerPort = CustomHandlerPort;
        if (customHandlerPort is { } port)
            ListenForFunctionsHostOnly(port);
        else if (string.IsNullOrEmpty(configuration[WebHostDefaults.ServerUrlsKey]))
            Web.WebHost.UseUrls(DefaultUrl);

        var services = Web.Services;
        services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout);
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = maxBodyBytes);
        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = DocumentJson.Options.PropertyNamingPolicy;
            foreach (var converter in DocumentJson.Options.Converters)
                o.SerializerOptions.Converters.Add(converter);
        });
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Every optimistic retry lost to other writers of the same document: a moment later it will likely go through.
            if (context.Exception is DocumentContentionException)
            {
                context.ProblemDetails.Title = "Too many changes to the same record at once";
                context.ProblemDetails.Detail = "Other requests kept changing what this one changes; try again shortly.";
                context.HttpContext.Response.Headers.RetryAfter = "1";
            }
        });
        if (cors.Enabled)
            services.AddCors(o => o.AddDefaultPolicy(cors.Apply));
        services.AddClientRateLimits(rateLimits);
        services.AddTelemetry(telemetry);
        var environment = Web.Environment;
        services.AddBearerAuthentication(() => AuthSettings.Read(configuration, environment, StorageSetup.DataDirectory(configuration)));
        services.AddOpenApi(OpenApiDocumentName, options => options.AddDocumentTransformer<OpenApiDescription>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(Functions);
        services.AddSingleton(queueOptions);
        services.AddSingleton(timerOptions);
        services.AddSingleton<FunctionInvoker>();
        services.AddSingleton<QueueMessageHandler>();
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton(new IdempotencyOptions(configuration.GetTimeSpan("Http:IdempotencyLease", TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1), TimeSpan.FromHours(1))));
        services.AddStorage(configuration, DocumentContainers);
        // Off under the Functions host (it fires triggers itself), or by setting, for instances that only serve HTTP.
        if (customHandlerPort is null && configuration.GetBool("Host:LocalTriggers", true))
        {
            services.AddHostedService<TimerTriggerService>();
            services.AddHostedService<QueueTriggerService>();
        }

        var app = Web.Build();
        // Every request comes through the host over loopback; the client is the one its front end names.
        if (customHandlerPort is not null)
            app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor });
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = e => e switch
            {
                Microsoft.AspNetCore.Http.BadHttpRequestException bad => bad.StatusCode,
                DocumentContentionException => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
        });
        app.UseStatusCodePages();
        app.UseRouting();
        // Before anything that can refuse a request, so that a browser can read the refusal too.
        if (cors.Enabled)
            app.UseCors();
        app.UseMiddleware<RequestBodyLimitMiddleware>(maxBodyBytes);
        app.UseMiddleware<JsonCharsetMiddleware>();
        app.UseAuthentication();
        // After authentication, so that limits count per signed-in subject; before authorization, so that refusals count too.
        app.UseRateLimiter();
        app.UseAuthorization();
        // After authentication, so that idempotency keys belong to the caller.
        app.UseMiddleware<IdempotencyMiddleware>();
        app.MapOpenApi("/api/openapi.json").RequireRateLimiting(ClientRateLimits.AnonymousReads);
        var api = app.MapGroup("/api");
        foreach (var function in Functions.Http())
        {
            var endpoint = api.MapMethods(function.Route, function.Methods, function.Handler).WithName(function.Name);
            function.Configure?.Invoke(endpoint);
            endpoint.WithClientRateLimit(function.Methods);
        }
        // Timer and queue invocations come from the Functions host alone; on their own, these paths do not exist.
        if (customHandlerPort is not null)
            app.MapCustomHandlerEndpoints(Functions);
        else
        {
            foreach (var (path, route) in Functions.Shortcuts)
                app.MapGet("/" + path, () => TypedResults.Redirect("/api/" + route))
                    .WithSummary($"Redirects to /api/{route}. Only when the app runs on its own: the Functions host forwards only /api.")
                    .WithClientRateLimit(["GET"]);
        }
        return new FunctionApp(app);
    }

    /// <summary>
    /// Under the Functions host only the host may reach the app (it forwards HTTP requests and posts timer and queue
    /// invocations): listen on loopback at the port it gave, whatever --urls or Kestrel endpoint settings say.
    /// </summary>
    private void ListenForFunctionsHostOnly(int port)
    {
        Web.WebHost.UseSetting(WebHostDefaults.PreferHostingUrlsKey, "false");
        Web.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Configure(new ConfigurationBuilder().Build());
            kestrel.Listen(IPAddress.Loopback, port);
        });
    }

    /// <summary>
    /// Creates the builder, lets <paramref name="configure"/> register the app's functions, then runs the
    /// command given on the command line or the server until it is stopped; returns the exit code. A bad
    /// setting or an unreachable store ends it with one line on stderr, wherever it is found.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, Action<FunctionAppBuilder> configure)
    {
        try
        {
            var builder = Create(args);
            configure(builder);
            return await builder.RunAsync();
        }
        catch (SettingsException e)
        {
            await Console.Error.WriteLineAsync($"Invalid setting {e.Message}");
            return 2;
        }
        catch (StoreUnavailableException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 3;
        }
        catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 4;
        }
    }

    private async Task<int> RunAsync()
    {
        if (_command is not null)
        {
            if (!_commands.TryGetValue(_command, out var command))
            {
                await Console.Error.WriteLineAsync($"Unknown command '{_command}'. Commands: {string.Join(", ", _commands.Keys.Order())}.");
                return 64;
            }
            await using var commandApp = Build();
            return await command(_args, commandApp.Services, Console.Out);
        }
        await using var app = Build();
        await app.StartAsync();
        await app.Web.WaitForShutdownAsync();
        return 0;
    }

    private Task<int> GenerateMetadataAsync(string[] arguments, IServiceProvider services, TextWriter output)
    {
        var options = CommandArguments.Parse(arguments);
        var outDirectory = options.GetValueOrDefault("out") ?? throw new SettingsException("--out", "generate-metadata needs --out <directory>.");
        var executable = options.GetValueOrDefault("executable") ?? "Commerce.Functions";
        var executableArguments = options.GetValueOrDefault("arguments")?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
        var written = FunctionMetadataWriter.Write(Functions, new FunctionMetadataWriter.Options(
            Path.GetFullPath(outDirectory), executable, executableArguments, services.GetRequiredService<QueueTriggerOptions>()));
        foreach (var path in written)
            output.WriteLine(path);
        return Task.FromResult(0);
    }

    /// <summary>Prints a token signed with this app's key: `dev-token --sub &lt;id&gt; --role &lt;customer|admin&gt;`. Development only.</summary>
    private static async Task<int> DevTokenAsync(string[] arguments, IServiceProvider services, TextWriter output)
    {
        if (!services.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            await Console.Error.WriteLineAsync("dev-token only runs in the Development environment (ASPNETCORE_ENVIRONMENT=Development, as `dotnet run` sets it).");
            return 1;
        }
        var options = CommandArguments.Parse(arguments);
        var subject = options.GetValueOrDefault("sub");
        var role = options.GetValueOrDefault("role") ?? Roles.Customer;
        if (string.IsNullOrWhiteSpace(subject) || subject.Length > 128 || !subject.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@'))
        {
            await Console.Error.WriteLineAsync("dev-token needs --sub <id>: 1-128 letters, digits, '-', '_', '.' or '@'.");
            return 64;
        }
        if (role is not (Roles.Customer or Roles.Admin))
        {
            await Console.Error.WriteLineAsync($"dev-token --role must be {Roles.Customer} or {Roles.Admin}, not '{role}'.");
            return 64;
        }
        await output.WriteLineAsync(services.GetRequiredService<TokenIssuer>().Issue(subject, [role]));
        return 0;
    }

    /// <summary>
    /// The environment when neither ASPNETCORE_ENVIRONMENT, DOTNET_ENVIRONMENT nor --environment names one: what
    /// the app's build says (a Debug build of the function app says Development), else ASP.NET Core's default.
    /// </summary>
    private static string? DefaultEnvironment(string[] args)
    {
        if (Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") is { Length: > 0 } || Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") is { Length: > 0 }
            || args.Any(a => a.StartsWith("--environment", StringComparison.OrdinalIgnoreCase)))
            return null;
        return System.Reflection.Assembly.GetEntryAssembly()?.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "DefaultEnvironment")?.Value;
    }

    /// <summary>local.settings.json "Values" rank below environment variables and the command line, as in Azure Functions.</summary>
    private static void AddLocalSettings(ConfigurationManager configuration)
    {
        var path = configuration["LocalSettingsPath"] ?? Path.Combine(Directory.GetCurrentDirectory(), "local.settings.json");
        var sources = configuration.Sources;
        var environment = sources.ToList().FindIndex(s => s is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        var local = new LocalSettingsSource(path);
        if (environment < 0)
            configuration.Sources.Insert(0, local);
        else
            configuration.Sources.Insert(environment, local);
    }
}

/// <summary>A built function app; start and stop it, or reach its services.</summary>
public sealed class FunctionApp(WebApplication web) : IAsyncDisposable
{
    public WebApplication Web { get; } = web;
    public IServiceProvider Services => Web.Services;

    /// <exception cref="SettingsException">a setting read at start (authentication) is invalid.</exception>
    /// <exception cref="StoreUnavailableException">a store cannot be reached.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Services.GetRequiredService<AuthSettings>();
        await Services.GetRequiredService<StorageStores>().EnsureReadyAsync(cancellationToken);
        await Web.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => Web.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync() => await Web.DisposeAsync();
}

/// <summary>`--name value` pairs of a command.</summary>
public static class CommandArguments
{
    public static Dictionary<string, string> Parse(string[] arguments)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < arguments.Length; i++)
        {
            if (!arguments[i].StartsWith("--", StringComparison.Ordinal))
                continue;
            var name = arguments[i][2..];
            var equals = name.IndexOf('=');
            if (equals >= 0)
                values[name[..equals]] = name[(equals + 1)..];
            else if (i + 1 < arguments.Length && !arguments[i + 1].StartsWith("--", StringComparison.Ordinal))
                values[name] = arguments[++i];
            else
                values[name] = "true";
        }
        return values;
    }

    /// <summary>
    /// `--name value` read by <paramref name="parse"/> (null for a value it refuses), or <paramref name="fallback"/> when
    /// the option is absent; false when it is present but refused.
    /// </summary>
    public static bool TryGet<T>(this Dictionary<string, string> options, string name, T fallback, Func<string, T?> parse, out T value) where T : struct
    {
        value = fallback;
        if (options.GetValueOrDefault(name) is not { } text)
            return true;
        if (parse(text) is not { } parsed)
            return false;
        value = parsed;
        return true;
    }

    /// <summary>A day given as yyyy-MM-dd, as midnight UTC; null for anything else.</summary>
    public static DateTime? UtcDay(string text) =>
        DateTime.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal, out var day) ? day : null;
}
