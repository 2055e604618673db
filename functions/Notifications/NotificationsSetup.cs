using System.Globalization;
using Commerce.Hosting;
using Commerce.Hosting.Settings;
using Commerce.Hosting.Storage;
using Commerce.Retention.Notifications;

namespace Commerce.Functions.Notifications;

public static class NotificationsSetup
{
    public const string DeliverFunction = "DeliverNotifications";
    public const string RequeueFunction = "RequeueStalledNotifications";

    /// <summary>A notification whose copies were due this long ago and are still not sent lost its queue message.</summary>
    public static readonly TimeSpan StalledAfter = TimeSpan.FromMinutes(2);

    /// <summary>The notification outbox, its delivery queue and sweep, the development email and SMS providers, and the inbox API.</summary>
    public static FunctionAppBuilder AddNotifications(this FunctionAppBuilder app)
    {
        var settings = ReadSettings(app.Configuration);
        app.DocumentContainers.Add(NotificationStore.Container, NotificationStore.StateContainer);
        var services = app.Services;
        services.AddSingleton(settings);
        services.AddSingleton<NotificationStore>();
        services.AddSingleton<NotificationOutbox>();
        services.AddSingleton<NotificationDelivery>();
        // Real providers plug in here; until then every environment writes messages to the outbox folder.
        services.AddSingleton<IMessageSender>(new FolderMessageSender(NotificationChannel.Email, settings.OutboxFolder));
        services.AddSingleton<IMessageSender>(new FolderMessageSender(NotificationChannel.Sms, settings.OutboxFolder));

        app.Functions.AddQueue<DeliverNotification>(DeliverFunction, NotificationOutbox.Queue,
            (message, context) => context.Services.GetRequiredService<NotificationDelivery>().DeliverAsync(message, context.CancellationToken));
        app.Functions.AddTimer(RequeueFunction, "0 */1 * * * *", async (_, context) =>
        {
            var requeued = await context.Services.GetRequiredService<NotificationDelivery>().RequeueStalledAsync(StalledAfter, context.CancellationToken);
            if (requeued > 0)
                context.Logger.LogWarning("Queued {Count} stalled notifications again", requeued);
        });
        app.Functions.MapNotificationsApi();
        return app;
    }

    public static NotificationSettings ReadSettings(IConfiguration configuration)
    {
        var zone = configuration.GetString("Notifications:DefaultTimeZone") ?? "Europe/London";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
            throw new SettingsException("Notifications:DefaultTimeZone", $"'{zone}' is not a time zone this machine knows (use an IANA name such as Europe/London).");
        var quiet = configuration.GetString("Notifications:QuietHours") ?? "21:00-08:00";
        var bounds = quiet.Split('-', StringSplitOptions.TrimEntries);
        if (bounds.Length != 2
            || !TimeOnly.TryParseExact(bounds[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from)
            || !TimeOnly.TryParseExact(bounds[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var to))
            throw new SettingsException("Notifications:QuietHours", $"'{quiet}' is not HH:mm-HH:mm (21:00-08:00; equal times for none).");
        return new NotificationSettings
        {
            MaxMarketingPerWeek = configuration.GetInt("Notifications:MaxMarketingPerWeek", 2, 0, 100),
            QuietFrom = from,
            QuietTo = to,
            QuietHoursRelease = configuration.GetTimeSpan("Notifications:QuietHoursRelease", TimeSpan.FromHours(1), TimeSpan.Zero, TimeSpan.FromHours(12)),
            DefaultTimeZone = zone,
            OutboxFolder = configuration.GetString("Notifications:OutboxFolder") is { } folder
                ? Path.GetFullPath(folder)
                : Path.Combine(StorageSetup.DataDirectory(configuration), "outbox"),
        };
    }
}
