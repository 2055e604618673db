using System.Globalization;
using System.Numerics;

namespace Commerce.Hosting.Timers;

/// <summary>
/// A six-field NCRONTAB schedule <c>{second} {minute} {hour} {day} {month} {day-of-week}</c> with the
/// semantics of the Azure Functions timer trigger (NCrontab library in six-field mode).
/// </summary>
/// <remarks>
/// Day and day-of-week restrictions must both hold (AND), as in NCrontab, unlike Vixie cron's OR.
/// Day-of-week is 0-6 with 0 = Sunday; 7 is rejected as NCrontab rejects it.
/// </remarks>
public sealed class NCrontabSchedule
{
    private const string FieldOrder = "{second} {minute} {hour} {day} {month} {day-of-week}";

    private static readonly FieldSpec[] Fields =
    [
        new("second", 0, 59, null, null),
        new("minute", 0, 59, null, null),
        new("hour", 0, 23, null, null),
        new("day", 1, 31, null, null),
        new("month", 1, 12,
            ["JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"],
            "a month name (JAN-DEC)"),
        new("day-of-week", 0, 6,
            ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"],
            "a day name (SUN-SAT)"),
    ];

    private static readonly int[] MaxDaysInMonth = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

    private readonly ulong _seconds;
    private readonly ulong _minutes;
    private readonly ulong _hours;
    private readonly ulong _days;
    private readonly ulong _months;
    private readonly ulong _daysOfWeek;
    private readonly bool _isInterval;
    private readonly bool _isSatisfiable;

    private NCrontabSchedule(string expression, ulong[] masks)
    {
        Expression = expression;
        (_seconds, _minutes, _hours, _days, _months, _daysOfWeek) = (masks[0], masks[1], masks[2], masks[3], masks[4], masks[5]);
        // Azure treats a schedule as an interval when NCrontab's expanded second, minute or hour field prints
        // as '*' or a range, i.e. holds two adjacent values; only intervals fire in both passes of a repeated hour.
        _isInterval = HasAdjacentValues(_seconds) || HasAdjacentValues(_minutes) || HasAdjacentValues(_hours);
        _isSatisfiable = Enumerable.Range(1, 12)
            .Any(month => HasBit(_months, month) && (_days & ((2UL << MaxDaysInMonth[month]) - 1)) != 0);
    }

    public string Expression { get; }

    public override string ToString() => Expression;

    /// <exception cref="FormatException">The expression is not a valid six-field NCRONTAB expression.</exception>
    public static NCrontabSchedule Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return TryParse(expression, out var schedule, out var error) ? schedule! : throw new FormatException(error);
    }

    public static bool TryParse(string? expression, out NCrontabSchedule? schedule, out string? error)
    {
        schedule = null;
        if (expression is null)
        {
            error = "NCRONTAB expression is null.";
            return false;
        }

        var parts = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != Fields.Length)
        {
            var hint = parts.Length == 5 ? $"; Azure timer schedules start with seconds, e.g. '0 {string.Join(' ', parts)}'" : "";
            error = $"NCRONTAB '{expression}': expected six fields {FieldOrder} but found {parts.Length}{hint}.";
            return false;
        }

        var masks = new ulong[Fields.Length];
        for (var i = 0; i < Fields.Length; i++)
        {
            var problem = ParseField(parts[i], Fields[i], out masks[i]);
            if (problem is not null)
            {
                error = $"NCRONTAB '{expression}': {Fields[i].Name} {problem}.";
                return false;
            }
        }

        schedule = new NCrontabSchedule(expression, masks);
        error = null;
        return true;
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
    /// its first instance only, except for interval schedules (two adjacent values, such as '*' or a range, in the
    /// second, minute or hour field), which fire in both passes.
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

    private DateTime? NextWallTime(DateTime after)
    {
        var startTicks = after.Ticks - after.Ticks % TimeSpan.TicksPerSecond + TimeSpan.TicksPerSecond;
        if (!_isSatisfiable || startTicks > DateTime.MaxValue.Ticks)
        {
            return null;
        }

        var start = new DateTime(startTicks);
        var (year, month, day) = (start.Year, start.Month, start.Day);
        var (hour, minute, second) = (start.Hour, start.Minute, start.Second);
        while (NextDate(ref year, ref month, ref day))
        {
            if ((year, month, day) != (start.Year, start.Month, start.Day))
            {
                (hour, minute, second) = (0, 0, 0);
            }

            if (NextTime(ref hour, ref minute, ref second))
            {
                return new DateTime(year, month, day, hour, minute, second);
            }

            (day, hour, minute, second) = (day + 1, 0, 0, 0);
        }

        return null;
    }

    private bool NextDate(ref int year, ref int month, ref int day)
    {
        while (year <= DateTime.MaxValue.Year)
        {
            if (HasBit(_months, month))
            {
                var lastDay = DateTime.DaysInMonth(year, month);
                var candidates = _days & (ulong.MaxValue << day) & ((2UL << lastDay) - 1) & DaysOfWeekMask(year, month);
                if (candidates != 0)
                {
                    day = BitOperations.TrailingZeroCount(candidates);
                    return true;
                }
            }

            var nextMonth = NextBit(_months, month + 1);
            (year, month, day) = nextMonth < 0 ? (year + 1, NextBit(_months, 0), 1) : (year, nextMonth, 1);
        }

        return false;
    }

    private bool NextTime(ref int hour, ref int minute, ref int second)
    {
        if (HasBit(_hours, hour))
        {
            if (HasBit(_minutes, minute) && NextBit(_seconds, second) is var s and >= 0)
            {
                second = s;
                return true;
            }

            if (NextBit(_minutes, minute + 1) is var m and >= 0)
            {
                (minute, second) = (m, NextBit(_seconds, 0));
                return true;
            }
        }

        if (NextBit(_hours, hour + 1) is var h and >= 0)
        {
            (hour, minute, second) = (h, NextBit(_minutes, 0), NextBit(_seconds, 0));
            return true;
        }

        return false;
    }

    /// <summary>Bit d set when day d of the month falls on an allowed day of the week.</summary>
    private ulong DaysOfWeekMask(int year, int month)
    {
        const ulong allDays = 0x7F;
        if (_daysOfWeek == allDays)
        {
            return ulong.MaxValue;
        }

        var firstDayOfWeek = (int)new DateTime(year, month, 1).DayOfWeek;
        var week = ((_daysOfWeek >> firstDayOfWeek) | (_daysOfWeek << (7 - firstDayOfWeek))) & allDays;
        return (week | week << 7 | week << 14 | week << 21 | week << 28) << 1;
    }

    private static bool HasBit(ulong mask, int value) => (mask >> value & 1) != 0;

    private static int NextBit(ulong mask, int from)
    {
        var remaining = from < 64 ? mask & (ulong.MaxValue << from) : 0;
        return remaining == 0 ? -1 : BitOperations.TrailingZeroCount(remaining);
    }

    private static bool HasAdjacentValues(ulong mask) => (mask & (mask >> 1)) != 0;

    private static string? ParseField(string text, FieldSpec spec, out ulong mask)
    {
        mask = 0;
        foreach (var item in text.Split(','))
        {
            var problem = ParseItem(item, spec, ref mask);
            if (problem is not null)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? ParseItem(string item, FieldSpec spec, ref ulong mask)
    {
        if (item.Length == 0)
        {
            return "list has an empty item";
        }

        var step = 1;
        var range = item;
        var slash = item.IndexOf('/');
        if (slash >= 0)
        {
            range = item[..slash];
            var stepText = item[(slash + 1)..];
            if (range.Length == 0)
            {
                return $"step '{item}' has nothing before '/'";
            }

            if (stepText.Length == 0)
            {
                return $"step is missing after '/' in '{item}'";
            }

            if (!int.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out step))
            {
                return $"step '{stepText}' is not a number";
            }

            if (step == 0)
            {
                return "step 0 is invalid; it must be at least 1";
            }
        }

        int low, high;
        if (range == "*")
        {
            (low, high) = (spec.Min, spec.Max);
        }
        else if (range == "?")
        {
            return "'?' is not supported by NCRONTAB; use '*'";
        }
        else if (range.IndexOf('-', 1) is var dash and > 0)
        {
            if (dash == range.Length - 1)
            {
                return $"range '{range}' has no end value";
            }

            var lowProblem = ParseValue(range[..dash], spec, out low);
            var highProblem = ParseValue(range[(dash + 1)..], spec, out high);
            if ((lowProblem ?? highProblem) is { } problem)
            {
                return problem;
            }

            if (low > high)
            {
                return $"range {range} is reversed; the start must not exceed the end";
            }
        }
        else
        {
            var problem = ParseValue(range, spec, out low);
            if (problem is not null)
            {
                return problem;
            }

            // NCrontab reads "a/n" as "a-max/n".
            high = slash >= 0 ? spec.Max : low;
        }

        for (long value = low; value <= high; value += step)
        {
            mask |= 1UL << (int)value;
        }

        return null;
    }

    private static string? ParseValue(string text, FieldSpec spec, out int value)
    {
        value = 0;
        if (text.Length > 0 && char.IsAsciiDigit(text[0]))
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
            {
                return text.All(char.IsAsciiDigit)
                    ? $"value {text} is out of range {spec.Min}-{spec.Max}"
                    : $"value '{text}' is not a number";
            }

            return value < spec.Min || value > spec.Max
                ? $"value {value} is out of range {spec.Min}-{spec.Max}{(spec.Name == "day-of-week" && value == 7 ? " (Sunday is 0)" : "")}"
                : null;
        }

        // NCrontab accepts any prefix of the English name; prefixes shorter than three letters are rejected
        // because NCrontab silently resolves them to the first match (e.g. "Ju" to June).
        if (spec.Names is not null && text.Length >= 3 && text.All(char.IsAsciiLetter))
        {
            var index = Array.FindIndex(spec.Names, name => name.StartsWith(text, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                value = index + spec.Min;
                return null;
            }
        }

        return spec.NameHint is null
            ? $"value '{text}' is not a number"
            : $"value '{text}' is not a number or {spec.NameHint}";
    }

    private sealed record FieldSpec(string Name, int Min, int Max, string[]? Names, string? NameHint);
}
