using NCrontab;

namespace Commerce.Hosting.Timers;

/// <summary>
/// A timer function's NCRONTAB schedule, parsed by NCrontab as the Azure Functions host parses it: six fields
/// <c>{second} {minute} {hour} {day} {month} {day-of-week}</c>, or five without seconds; occurrences follow the
/// host's daylight-saving rules in the configured time zone.
/// </summary>
public sealed class TimerSchedule
{
    private readonly CrontabSchedule _schedule;
    private readonly bool _isInterval;

    private TimerSchedule(string expression, CrontabSchedule schedule, bool includesSeconds)
    {
        Expression = expression;
        _schedule = schedule;
        // As the host decides it: a schedule is an interval when its seconds, minutes or hours, as NCrontab prints
        // them back, hold '*', a range or a step; only intervals fire in both passes of a repeated hour.
        _isInterval = schedule.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Take(includesSeconds ? 3 : 2)
            .Any(part => part.Contains('*') || part.Contains('/') || part.Contains('-'));
    }

    public string Expression { get; }

    public override string ToString() => Expression;

    /// <exception cref="FormatException">NCrontab does not accept the expression; the message quotes it and says why.</exception>
    public static TimerSchedule Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        // The host reads five space-separated fields as a schedule without seconds, anything else as one with them.
        var includesSeconds = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 5;
        try
        {
            return new TimerSchedule(expression, CrontabSchedule.Parse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = includesSeconds }), includesSeconds);
        }
        catch (Exception e) when (e is CrontabException or OverflowException)
        {
            throw new FormatException($"NCRONTAB '{expression}': {e.Message}", e);
        }
    }

    /// <summary>
    /// The first occurrence strictly after <paramref name="after"/>, matched against wall-clock time in
    /// <paramref name="timeZone"/> (UTC when null) and returned with that zone's offset, or
    /// <see cref="DateTimeOffset.MaxValue"/> when the schedule never fires again (e.g. <c>0 0 0 30 Feb *</c>).
    /// </summary>
    /// <remarks>
    /// Daylight saving follows the Azure timer trigger: a wall time skipped by a spring-forward gap is read with the
    /// offset in force before the gap, so the first scheduled time in a gap fires shifted forward by the gap length
    /// (02:30 fires at 03:30) and later ones in the same gap are skipped. A wall time repeated by a fall-back fires at
    /// its first instance only, except for interval schedules ('*', a range or a step in the second, minute or hour
    /// field as NCrontab prints it back), which fire in both passes.
    /// </remarks>
    public DateTimeOffset GetNextOccurrence(DateTimeOffset after, TimeZoneInfo? timeZone = null)
    {
        if (timeZone is null || ReferenceEquals(timeZone, TimeZoneInfo.Utc))
        {
            return NextWallTime(after.UtcDateTime) is { } wall ? new DateTimeOffset(wall, TimeSpan.Zero) : DateTimeOffset.MaxValue;
        }

        return NextInZone(after, timeZone);
    }

    public IEnumerable<DateTimeOffset> GetOccurrences(DateTimeOffset fromExclusive, DateTimeOffset toExclusive, TimeZoneInfo? timeZone = null)
    {
        for (var next = GetNextOccurrence(fromExclusive, timeZone); next < toExclusive; next = GetNextOccurrence(next, timeZone))
        {
            yield return next;
        }
    }

    private DateTimeOffset NextInZone(DateTimeOffset after, TimeZoneInfo zone)
    {
        var offset = zone.GetUtcOffset(after);
        var local = new DateTime(Math.Clamp(after.UtcTicks + offset.Ticks, 0, DateTime.MaxValue.Ticks));
        var candidate = NextWallTime(local);

        if (Map(local, zone) is { Earlier: { } first, Later: { } repeat } && offset == first.Offset)
        {
            var (repeatStart, repeatEnd) = RepeatedPeriod(after, offset, repeat, zone);
            if (candidate is { } firstPass && firstPass < repeatEnd)
            {
                return At(firstPass, offset);
            }

            if (_isInterval && NextWallTime(repeatStart.AddTicks(-1)) is { } secondPass && secondPass < repeatEnd)
            {
                return At(secondPass, repeat.Offset);
            }
        }

        for (; candidate is { } wall; candidate = NextWallTime(wall))
        {
            var (earlier, later, offsetBefore) = Map(wall, zone);
            // Azure reads a wall time skipped by a spring-forward gap with the offset in force before the gap.
            var next = earlier ?? TimeZoneInfo.ConvertTime(At(wall, offsetBefore), zone);
            if (next > after)
            {
                return next;
            }

            if (_isInterval && later > after)
            {
                return later.Value;
            }
        }

        return DateTimeOffset.MaxValue;
    }

    /// <summary>
    /// The instants whose wall time in <paramref name="zone"/> is <paramref name="wall"/>: none in a gap, two in an overlap.
    /// </summary>
    /// <remarks>
    /// Only instant-to-offset lookups are used: for zones whose base offset changed, .NET's wall-time queries
    /// (IsInvalidTime, IsAmbiguousTime) disagree with the offsets it applies to instants.
    /// </remarks>
    private static (DateTimeOffset? Earlier, DateTimeOffset? Later, TimeSpan OffsetBefore) Map(DateTime wall, TimeZoneInfo zone)
    {
        // UTC offsets stay within 14 hours, so every instant showing this wall time lies inside the window.
        var window = TimeSpan.FromHours(14).Ticks;
        var offsetBefore = OffsetAt(wall.Ticks - window, zone);
        var offsetAfter = OffsetAt(wall.Ticks + window, zone);
        var high = offsetBefore > offsetAfter ? offsetBefore : offsetAfter;
        var low = offsetBefore > offsetAfter ? offsetAfter : offsetBefore;
        DateTimeOffset? earlier = OffsetAt(wall.Ticks - high.Ticks, zone) == high ? At(wall, high) : null;
        DateTimeOffset? later = low != high && OffsetAt(wall.Ticks - low.Ticks, zone) == low ? At(wall, low) : null;
        return earlier is null ? (later, null, offsetBefore) : (earlier, later, offsetBefore);
    }

    /// <summary>The wall times that <paramref name="repeat"/> shows a second time after a fall-back, as [start, end).</summary>
    private static (DateTime Start, DateTime End) RepeatedPeriod(DateTimeOffset firstPass, TimeSpan earlierOffset, DateTimeOffset repeat, TimeZoneInfo zone)
    {
        var before = firstPass.UtcTicks - firstPass.UtcTicks % TimeSpan.TicksPerSecond;
        var transition = repeat.UtcTicks - repeat.UtcTicks % TimeSpan.TicksPerSecond;
        while (transition - before > TimeSpan.TicksPerSecond)
        {
            var middle = before + (transition - before) / TimeSpan.TicksPerSecond / 2 * TimeSpan.TicksPerSecond;
            if (OffsetAt(middle, zone) == earlierOffset)
            {
                before = middle;
            }
            else
            {
                transition = middle;
            }
        }

        return (new DateTime(transition + repeat.Offset.Ticks), new DateTime(transition + earlierOffset.Ticks));
    }

    private static TimeSpan OffsetAt(long utcTicks, TimeZoneInfo zone) =>
        zone.GetUtcOffset(new DateTimeOffset(Math.Clamp(utcTicks, 0, DateTime.MaxValue.Ticks), TimeSpan.Zero));

    private static DateTimeOffset At(DateTime wall, TimeSpan offset)
    {
        var utcTicks = wall.Ticks - offset.Ticks;
        if (utcTicks < 0)
        {
            return DateTimeOffset.MinValue;
        }

        return utcTicks > DateTime.MaxValue.Ticks ? DateTimeOffset.MaxValue : new DateTimeOffset(wall, offset);
    }

    /// <returns>the next wall time after <paramref name="after"/> that the schedule names, or null when there is none.</returns>
    private DateTime? NextWallTime(DateTime after)
    {
        // NCrontab answers its end time when nothing occurs before it.
        var next = _schedule.GetNextOccurrence(DateTime.SpecifyKind(after, DateTimeKind.Unspecified), DateTime.MaxValue);
        return next == DateTime.MaxValue ? null : next;
    }
}
