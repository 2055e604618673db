using Commerce.Intelligence;

namespace Commerce.Retention.Notifications;

/// <summary>How often and when marketing may reach a customer; bound from the Notifications:* settings.</summary>
public sealed record NotificationSettings
{
    /// <summary>Marketing messages per customer in any 7 days, all channels together.</summary>
    public int MaxMarketingPerWeek { get; init; } = 2;

    /// <summary>Quiet hours in the customer's time zone: no marketing from <see cref="QuietFrom"/> to <see cref="QuietTo"/>.</summary>
    public TimeOnly QuietFrom { get; init; } = new(21, 0);

    public TimeOnly QuietTo { get; init; } = new(8, 0);

    /// <summary>
    /// Marketing held by quiet hours goes out spread over this long after they end (each message at a stable point of
    /// it), not all in the first second of the morning; zero releases everything at once.
    /// </summary>
    public TimeSpan QuietHoursRelease { get; init; } = TimeSpan.FromHours(1);

    /// <summary>For customers who did not give one.</summary>
    public string DefaultTimeZone { get; init; } = "Europe/London";

    /// <summary>Where the development email and SMS adapters write each message.</summary>
    public required string OutboxFolder { get; init; }

    public static readonly TimeSpan CapWindow = TimeSpan.FromDays(7);

    /// <summary>
    /// The first moment at or after <paramref name="now"/> outside quiet hours in <paramref name="zone"/>. Quiet hours may
    /// run over midnight (21:00 to 08:00) or not (13:00 to 14:00); equal bounds mean none.
    /// </summary>
    /// <summary>
    /// When the marketing message <paramref name="key"/> may go: now outside quiet hours, else at a point of the release
    /// window after they end, the same point for the same message whenever it is asked.
    /// </summary>
    public DateTimeOffset ReleaseAt(DateTimeOffset now, TimeZoneInfo zone, string key)
    {
        var next = NextSendable(now, zone);
        return next == now ? now : next + QuietHoursRelease * StableDraw.Fraction("quiet-hours-release", key);
    }

    public DateTimeOffset NextSendable(DateTimeOffset now, TimeZoneInfo zone)
    {
        if (QuietFrom == QuietTo)
            return now;
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var time = TimeOnly.FromDateTime(local.DateTime);
        var quiet = QuietFrom < QuietTo ? time >= QuietFrom && time < QuietTo : time >= QuietFrom || time < QuietTo;
        if (!quiet)
            return now;
        var endDay = DateOnly.FromDateTime(local.DateTime);
        if (QuietFrom > QuietTo && time >= QuietFrom)
            endDay = endDay.AddDays(1);
        var end = endDay.ToDateTime(QuietTo);
        // The end in local time, back to an instant; a local time skipped by a clock change is taken as the hour after it.
        if (zone.IsInvalidTime(end))
            end = end.AddHours(1);
        return new DateTimeOffset(end, zone.GetUtcOffset(end));
    }
}
