using System.Globalization;
using Commerce.Hosting.Timers;

namespace Commerce.Hosting.Tests.Timers;

public sealed class TimerScheduleTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    [Theory]
    [InlineData("* * * * * *", "2025-01-01T00:00:00Z", "2025-01-01T00:00:01+00:00")]
    [InlineData("0 */5 * * * *", "2025-01-01T00:02:30Z", "2025-01-01T00:05:00+00:00")]
    [InlineData("*/15 * * * * *", "2025-01-01T00:00:50Z", "2025-01-01T00:01:00+00:00")]
    [InlineData("5/15 * * * * *", "2025-01-01T00:00:36Z", "2025-01-01T00:00:50+00:00")]
    [InlineData("5/15 * * * * *", "2025-01-01T00:00:50Z", "2025-01-01T00:01:05+00:00")]
    [InlineData("0 10-40/15 * * * *", "2025-01-01T00:26:00Z", "2025-01-01T00:40:00+00:00")]
    [InlineData("0 10-40/15 * * * *", "2025-01-01T00:40:00Z", "2025-01-01T01:10:00+00:00")]
    [InlineData("0 1,2,30 * * * *", "2025-01-01T00:02:00Z", "2025-01-01T00:30:00+00:00")]
    [InlineData("0 0 9-17 * * *", "2025-01-01T17:00:00Z", "2025-01-02T09:00:00+00:00")]
    [InlineData("0 0 9-17 * * *", "2025-01-01T12:30:00Z", "2025-01-01T13:00:00+00:00")]
    [InlineData("0 0 */2 * * *", "2025-01-01T01:00:00Z", "2025-01-01T02:00:00+00:00")]
    [InlineData("0 0 0 */10 * *", "2025-01-21T00:00:00Z", "2025-01-31T00:00:00+00:00")]
    [InlineData("0 0 0 */10 * *", "2025-01-31T00:00:00Z", "2025-02-01T00:00:00+00:00")]
    [InlineData("0 0 0 1 */3 *", "2025-01-01T00:00:00Z", "2025-04-01T00:00:00+00:00")]
    [InlineData("0 0 0 * * */2", "2025-01-01T00:00:00Z", "2025-01-02T00:00:00+00:00")]
    [InlineData("0 0 0 * * 1/2", "2025-01-01T00:00:00Z", "2025-01-03T00:00:00+00:00")]
    [InlineData("0 0 0 * * 0", "2025-01-01T00:00:00Z", "2025-01-05T00:00:00+00:00")]
    [InlineData("0 0 0 * * 6", "2025-01-01T00:00:00Z", "2025-01-04T00:00:00+00:00")]
    [InlineData("00 05 * * * *", "2025-01-01T00:00:00Z", "2025-01-01T00:05:00+00:00")]
    [InlineData("  0 0 6 *  * *  ", "2025-01-01T00:00:00Z", "2025-01-01T06:00:00+00:00")]
    [InlineData("0 0 0 * * */100", "2025-01-01T00:00:00Z", "2025-01-05T00:00:00+00:00")]
    [InlineData("* 0-1 10 * * *", "2021-02-24T09:50:35Z", "2021-02-24T10:00:00+00:00")]
    public void Syntax_forms_select_the_expected_next_instant(string expression, string after, string expected) =>
        Assert.Equal(expected, Next(expression, after));

    [Theory]
    [InlineData("0 30 9 * * Mon-Fri", "2025-01-03T09:30:00Z", "2025-01-06T09:30:00+00:00")]
    [InlineData("0 30 9 * * mon-fri", "2025-01-04T00:00:00Z", "2025-01-06T09:30:00+00:00")]
    [InlineData("0 30 9 * * Thu-Sat", "2025-01-03T09:30:00Z", "2025-01-04T09:30:00+00:00")]
    [InlineData("0 0 0 1 Jan *", "2025-01-01T00:00:00Z", "2026-01-01T00:00:00+00:00")]
    [InlineData("0 0 12 1 jan,jul *", "2025-01-01T12:00:00Z", "2025-07-01T12:00:00+00:00")]
    [InlineData("0 0 12 1 JAN,JUL *", "2025-07-01T12:00:00Z", "2026-01-01T12:00:00+00:00")]
    [InlineData("0 0 0 1 Apr-Jun *", "2025-04-01T00:00:00Z", "2025-05-01T00:00:00+00:00")]
    [InlineData("0 0 0 1 September *", "2025-01-01T00:00:00Z", "2025-09-01T00:00:00+00:00")]
    [InlineData("0 0 0 1 Sept *", "2025-01-01T00:00:00Z", "2025-09-01T00:00:00+00:00")]
    [InlineData("0 0 0 * * SUNDAY", "2025-01-01T00:00:00Z", "2025-01-05T00:00:00+00:00")]
    [InlineData("0 0 0 * * Thurs", "2025-01-01T00:00:00Z", "2025-01-02T00:00:00+00:00")]
    [InlineData("0 0 0 * * sat,Sun", "2025-01-01T00:00:00Z", "2025-01-04T00:00:00+00:00")]
    [InlineData("0 0 0 * * Mon/2", "2025-01-01T00:00:00Z", "2025-01-03T00:00:00+00:00")]
    [InlineData("0 0 0 * Dec Wed", "2025-01-01T00:00:00Z", "2025-12-03T00:00:00+00:00")]
    public void Month_and_day_names_are_case_insensitive_and_work_in_ranges_lists_and_steps(string expression, string after, string expected) =>
        Assert.Equal(expected, Next(expression, after));

    [Theory]
    [InlineData("0 0 0 * * Mon-Fri", "0 0 0 * * 1-5")]
    [InlineData("0 0 0 1 jan,jul *", "0 0 0 1 1,7 *")]
    [InlineData("0 0 0 * * */2", "0 0 0 * * 0,2,4,6")]
    [InlineData("0 5/15 * * * *", "0 5,20,35,50 * * * *")]
    [InlineData("0 10-40/15 * * * *", "0 10,25,40 * * * *")]
    [InlineData("0 0 0 * * monday,TUESDAY", "0 0 0 * * Mon,Tue")]
    public void Equivalent_expressions_produce_identical_occurrences(string expression, string equivalent)
    {
        var from = At("2025-01-01T00:00:00Z");
        var to = At("2026-01-01T00:00:00Z");

        var expected = TimerSchedule.Parse(equivalent).GetOccurrences(from, to).ToList();

        Assert.NotEmpty(expected);
        Assert.Equal(expected, TimerSchedule.Parse(expression).GetOccurrences(from, to));
    }

    [Theory]
    [InlineData("59 * * * * *", "2025-01-01T00:00:59Z", "2025-01-01T00:01:59+00:00")]
    [InlineData("59 * * * * *", "2025-01-01T00:00:58Z", "2025-01-01T00:00:59+00:00")]
    [InlineData("0 59 * * * *", "2025-01-01T00:59:00Z", "2025-01-01T01:59:00+00:00")]
    [InlineData("0 0 23 * * *", "2025-01-01T23:00:00Z", "2025-01-02T23:00:00+00:00")]
    [InlineData("0 0 0 31 * *", "2025-01-31T00:00:00Z", "2025-03-31T00:00:00+00:00")]
    [InlineData("0 0 0 31 * *", "2025-03-31T00:00:00Z", "2025-05-31T00:00:00+00:00")]
    [InlineData("0 0 0 30,31 * *", "2025-01-31T00:00:00Z", "2025-03-30T00:00:00+00:00")]
    [InlineData("0 0 0 15,31 * *", "2025-04-15T00:00:00Z", "2025-05-15T00:00:00+00:00")]
    [InlineData("0 0 0 29 Feb *", "2025-01-01T00:00:00Z", "2028-02-29T00:00:00+00:00")]
    [InlineData("0 0 0 29 2 *", "2024-02-29T00:00:00Z", "2028-02-29T00:00:00+00:00")]
    [InlineData("0 0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00+00:00")]
    [InlineData("0 0 0 * * *", "2025-02-28T12:00:00Z", "2025-03-01T00:00:00+00:00")]
    [InlineData("0 0 0 * * *", "2024-02-28T12:00:00Z", "2024-02-29T00:00:00+00:00")]
    [InlineData("* * * * * *", "2025-12-31T23:59:59Z", "2026-01-01T00:00:00+00:00")]
    [InlineData("0 0 0 * * *", "2025-12-31T12:00:00Z", "2026-01-01T00:00:00+00:00")]
    [InlineData("59 59 23 31 12 *", "2025-12-31T23:59:58Z", "2025-12-31T23:59:59+00:00")]
    [InlineData("59 59 23 31 12 *", "2025-12-31T23:59:59Z", "2026-12-31T23:59:59+00:00")]
    [InlineData("0 0 0 1 1 *", "2025-12-31T23:59:59.9999999Z", "2026-01-01T00:00:00+00:00")]
    public void Field_boundaries_roll_over_correctly(string expression, string after, string expected) =>
        Assert.Equal(expected, Next(expression, after));

    [Theory]
    [InlineData("2025-01-01T00:05:00Z", "2025-01-01T00:10:00+00:00")]
    [InlineData("2025-01-01T00:04:59.9999999Z", "2025-01-01T00:05:00+00:00")]
    [InlineData("2025-01-01T00:05:00.0000001Z", "2025-01-01T00:10:00+00:00")]
    public void Next_occurrence_is_strictly_after_the_given_instant(string after, string expected) =>
        Assert.Equal(expected, Next("0 */5 * * * *", after));

    [Theory]
    [InlineData("0 0 0 13 * Fri", "2025-01-01T00:00:00Z", "2025-06-13T00:00:00+00:00")]
    [InlineData("0 0 0 1 * Mon", "2025-01-01T00:00:00Z", "2025-09-01T00:00:00+00:00")]
    [InlineData("0 45 16 1 * Mon", "2003-01-01T12:00:00Z", "2003-09-01T16:45:00+00:00")]
    [InlineData("0 0 0 29 Feb Mon", "2025-01-01T00:00:00Z", "2044-02-29T00:00:00+00:00")]
    public void Day_and_day_of_week_must_both_match(string expression, string after, string expected) =>
        Assert.Equal(expected, Next(expression, after));

    [Theory]
    [InlineData("0 0 0 30 Feb *")]
    [InlineData("0 0 0 31 Feb *")]
    [InlineData("0 0 0 31 Apr,Jun,Sep,Nov *")]
    [InlineData("* * * 30-31 2 *")]
    public void Impossible_schedule_returns_max_value_and_yields_no_occurrences(string expression)
    {
        var schedule = TimerSchedule.Parse(expression);

        Assert.Equal(DateTimeOffset.MaxValue, schedule.GetNextOccurrence(At("2025-01-01T00:00:00Z")));
        Assert.Equal(DateTimeOffset.MaxValue, schedule.GetNextOccurrence(At("2025-01-01T00:00:00Z"), NewYork));
        Assert.Empty(schedule.GetOccurrences(At("2025-01-01T00:00:00Z"), At("2125-01-01T00:00:00Z")));
    }

    [Fact]
    public void No_occurrence_before_the_end_of_the_calendar_returns_max_value()
    {
        var schedule = TimerSchedule.Parse("0 0 0 1 1 *");

        Assert.Equal(DateTimeOffset.MaxValue, schedule.GetNextOccurrence(At("9999-06-01T00:00:00Z")));
        Assert.Equal(DateTimeOffset.MaxValue, schedule.GetNextOccurrence(DateTimeOffset.MaxValue));
        Assert.Equal("9999-01-01T00:00:00+00:00", Format(schedule.GetNextOccurrence(At("9998-06-01T00:00:00Z"))));
    }

    [Fact]
    public void Utc_result_uses_zero_offset_whatever_the_offset_of_the_input()
    {
        var schedule = TimerSchedule.Parse("0 0 12 * * *");

        Assert.Equal("2025-01-01T12:00:00+00:00", Format(schedule.GetNextOccurrence(At("2025-01-01T13:00:00+02:00"))));
        Assert.Equal("2025-01-01T12:00:00+00:00", Format(schedule.GetNextOccurrence(At("2025-01-01T13:00:00+02:00"), TimeZoneInfo.FindSystemTimeZoneById("UTC"))));
    }

    [Theory]
    [InlineData("2025-07-01T00:00:00Z", "2025-07-01T09:30:00-04:00")]
    [InlineData("2025-01-15T00:00:00Z", "2025-01-15T09:30:00-05:00")]
    [InlineData("2025-01-15T15:00:00+01:00", "2025-01-15T09:30:00-05:00")]
    [InlineData("2025-01-15T14:30:00Z", "2025-01-16T09:30:00-05:00")]
    public void Schedule_is_evaluated_in_wall_clock_time_of_the_zone(string after, string expected) =>
        Assert.Equal(expected, Format(TimerSchedule.Parse("0 30 9 * * *").GetNextOccurrence(At(after), NewYork)));

    [Theory]
    [InlineData("2025-03-08T02:30:00-05:00", "2025-03-09T03:30:00-04:00")]
    [InlineData("2025-03-09T03:30:00-04:00", "2025-03-10T02:30:00-04:00")]
    [InlineData("2025-03-09T03:10:00-04:00", "2025-03-10T02:30:00-04:00")]
    public void New_York_spring_forward_fires_a_nonexistent_time_shifted_by_the_gap(string after, string expected) =>
        Assert.Equal(expected, Format(TimerSchedule.Parse("0 30 2 * * *").GetNextOccurrence(At(after), NewYork)));

    [Fact]
    public void New_York_spring_forward_interval_skips_the_rest_of_the_gap()
    {
        var occurrences = TimerSchedule.Parse("0 */30 * * * *")
            .GetOccurrences(At("2025-03-09T01:00:00-05:00"), At("2025-03-09T04:00:00-04:00"), NewYork);

        Assert.Equal(["2025-03-09T01:30:00-05:00", "2025-03-09T03:00:00-04:00", "2025-03-09T03:30:00-04:00"], occurrences.Select(Format));
    }

    [Fact]
    public void New_York_spring_forward_fires_only_the_first_scheduled_time_inside_the_gap()
    {
        var occurrences = TimerSchedule.Parse("0 0,30 2 * * *")
            .GetOccurrences(At("2025-03-08T02:30:00-05:00"), At("2025-03-10T12:00:00-04:00"), NewYork);

        Assert.Equal(["2025-03-09T03:00:00-04:00", "2025-03-10T02:00:00-04:00", "2025-03-10T02:30:00-04:00"], occurrences.Select(Format));
    }

    [Fact]
    public void London_spring_forward_fires_a_nonexistent_time_shifted_by_the_gap()
    {
        var schedule = TimerSchedule.Parse("0 30 1 * * *");

        var occurrences = schedule.GetOccurrences(At("2025-03-29T00:00:00Z"), At("2025-04-01T00:00:00Z"), London);

        Assert.Equal(["2025-03-29T01:30:00+00:00", "2025-03-30T02:30:00+01:00", "2025-03-31T01:30:00+01:00"], occurrences.Select(Format));
    }

    [Fact]
    public void London_hourly_schedule_has_23_occurrences_on_the_spring_forward_day()
    {
        var occurrences = TimerSchedule.Parse("0 0 * * * *")
            .GetOccurrences(At("2025-03-29T23:59:59Z"), At("2025-03-30T23:00:00Z"), London)
            .Select(Format)
            .ToList();

        Assert.Equal(23, occurrences.Count);
        Assert.Equal(["2025-03-30T00:00:00+00:00", "2025-03-30T02:00:00+01:00", "2025-03-30T03:00:00+01:00"], occurrences.Take(3));
    }

    [Theory]
    [InlineData("2025-11-01T01:30:00-04:00", "2025-11-02T01:30:00-04:00")]
    [InlineData("2025-11-02T01:30:00-04:00", "2025-11-03T01:30:00-05:00")]
    [InlineData("2025-11-02T01:45:00-04:00", "2025-11-03T01:30:00-05:00")]
    [InlineData("2025-11-02T01:10:00-05:00", "2025-11-03T01:30:00-05:00")]
    [InlineData("2025-11-02T01:10:00-04:00", "2025-11-02T01:30:00-04:00")]
    public void New_York_fall_back_fires_a_point_in_time_schedule_once_at_the_daylight_instance(string after, string expected) =>
        Assert.Equal(expected, Format(TimerSchedule.Parse("0 30 1 * * *").GetNextOccurrence(At(after), NewYork)));

    [Fact]
    public void New_York_fall_back_runs_an_interval_schedule_through_both_passes_of_the_repeated_hour()
    {
        var occurrences = TimerSchedule.Parse("0 */30 * * * *")
            .GetOccurrences(At("2025-11-02T00:00:00-04:00"), At("2025-11-02T03:00:00-05:00"), NewYork);

        Assert.Equal(
            [
                "2025-11-02T00:30:00-04:00", "2025-11-02T01:00:00-04:00", "2025-11-02T01:30:00-04:00",
                "2025-11-02T01:00:00-05:00", "2025-11-02T01:30:00-05:00", "2025-11-02T02:00:00-05:00", "2025-11-02T02:30:00-05:00",
            ],
            occurrences.Select(Format));
    }

    [Theory]
    [InlineData("2025-11-02T01:45:00-04:00", "2025-11-02T01:00:00-05:00")]
    [InlineData("2025-11-02T01:00:00-05:00", "2025-11-02T01:30:00-05:00")]
    [InlineData("2025-11-02T01:59:59-05:00", "2025-11-02T02:00:00-05:00")]
    public void New_York_interval_schedule_resumes_correctly_from_inside_the_repeated_hour(string after, string expected) =>
        Assert.Equal(expected, Format(TimerSchedule.Parse("0 */30 * * * *").GetNextOccurrence(At(after), NewYork)));

    [Theory]
    [InlineData("0 0 1,2 * * *", new[] { "2025-11-02T01:00:00-04:00", "2025-11-02T01:00:00-05:00", "2025-11-02T02:00:00-05:00" })]
    [InlineData("0 0 1,3 * * *", new[] { "2025-11-02T01:00:00-04:00", "2025-11-02T03:00:00-05:00" })]
    [InlineData("0 0 1/2 * * *", new[] { "2025-11-02T01:00:00-04:00", "2025-11-02T03:00:00-05:00" })]
    [InlineData("0 1,2 * * *", new[] { "2025-11-02T01:00:00-04:00", "2025-11-02T01:00:00-05:00", "2025-11-02T02:00:00-05:00" })]
    [InlineData("0 1,3 * * *", new[] { "2025-11-02T01:00:00-04:00", "2025-11-02T03:00:00-05:00" })]
    public void Interval_classification_follows_adjacent_values_in_second_minute_or_hour(string expression, string[] expected)
    {
        var occurrences = TimerSchedule.Parse(expression)
            .GetOccurrences(At("2025-11-02T00:00:00-04:00"), At("2025-11-02T04:00:00-05:00"), NewYork);

        Assert.Equal(expected, occurrences.Select(Format));
    }

    [Fact]
    public void London_fall_back_hourly_schedule_fires_in_both_passes()
    {
        var occurrences = TimerSchedule.Parse("0 0 * * * *")
            .GetOccurrences(At("2025-10-26T00:00:00+01:00"), At("2025-10-26T03:00:00+00:00"), London);

        Assert.Equal(["2025-10-26T01:00:00+01:00", "2025-10-26T01:00:00+00:00", "2025-10-26T02:00:00+00:00"], occurrences.Select(Format));
    }

    [Fact]
    public void London_fall_back_daily_schedule_fires_once_at_the_first_instance()
    {
        var occurrences = TimerSchedule.Parse("0 30 1 * * *")
            .GetOccurrences(At("2025-10-25T12:00:00Z"), At("2025-10-28T00:00:00Z"), London);

        Assert.Equal(["2025-10-26T01:30:00+01:00", "2025-10-27T01:30:00+00:00"], occurrences.Select(Format));
    }

    [Theory]
    [InlineData("2022-10-30T00:45:00-06:00", "2022-10-30T02:15:00-06:00",
        new[] { "2022-10-30T01:00:00-06:00", "2022-10-30T01:30:00-06:00", "2022-10-30T02:00:00-06:00" })]
    [InlineData("2022-11-29T22:45:00-06:00", "2022-11-30T00:15:00-07:00",
        new[] { "2022-11-29T23:00:00-06:00", "2022-11-29T23:30:00-06:00", "2022-11-29T23:00:00-07:00", "2022-11-29T23:30:00-07:00", "2022-11-30T00:00:00-07:00" })]
    public void Ciudad_Juarez_repeats_wall_time_only_when_the_offset_actually_falls_back(string from, string to, string[] expected)
    {
        // 2022-10-30 switched MDT to CST without changing the offset; 2022-11-30 00:00 CST fell back to 23:00 MST.
        var juarez = TimeZoneInfo.FindSystemTimeZoneById("America/Ciudad_Juarez");

        var occurrences = TimerSchedule.Parse("0 */30 * * * *").GetOccurrences(At(from), At(to), juarez);

        Assert.Equal(expected, occurrences.Select(Format));
    }

    [Fact]
    public void Spring_forward_in_a_zone_whose_base_offset_changed_shifts_by_the_gap()
    {
        var whitehorse = TimeZoneInfo.FindSystemTimeZoneById("America/Whitehorse");

        var next = TimerSchedule.Parse("0 30 2 * * *").GetNextOccurrence(At("2019-03-09T02:30:00-08:00"), whitehorse);

        Assert.Equal("2019-03-10T03:30:00-07:00", Format(next));
    }

    [Theory]
    [InlineData("America/Whitehorse", "0 */30 * * * *")]
    [InlineData("America/Ciudad_Juarez", "0 0 * * * *")]
    [InlineData("Australia/Lord_Howe", "0 */15 * * * *")]
    [InlineData("Europe/London", "0 30 1 * * *")]
    public void Occurrences_strictly_increase_and_carry_the_zone_offset(string zoneId, string expression)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var previous = At("2018-12-31T00:00:00Z");

        foreach (var occurrence in TimerSchedule.Parse(expression).GetOccurrences(previous, At("2024-01-01T00:00:00Z"), zone))
        {
            Assert.True(occurrence > previous, $"{Format(occurrence)} does not follow {Format(previous)}");
            Assert.Equal(zone.GetUtcOffset(occurrence), occurrence.Offset);
            previous = occurrence;
        }

        Assert.True(previous > At("2023-12-30T00:00:00Z"));
    }

    [Theory]
    [InlineData("2025-03-09T00:00:00-05:00", 23)]
    [InlineData("2025-11-02T00:00:00-04:00", 25)]
    [InlineData("2025-07-01T00:00:00-04:00", 24)]
    public void New_York_hourly_schedule_counts_real_hours_in_a_local_day(string localMidnight, int expected)
    {
        var start = At(localMidnight);
        var nextMidnight = TimerSchedule.Parse("0 0 0 * * *").GetNextOccurrence(start, NewYork);

        var count = TimerSchedule.Parse("0 0 * * * *").GetOccurrences(start.AddTicks(-1), nextMidnight, NewYork).Count();

        Assert.Equal(expected, count);
    }

    [Theory]
    [InlineData("0 */5 * * * *", "2025-01-01T00:00:00Z", "2025-01-01T01:00:01Z", 12)]
    [InlineData("0 */5 * * * *", "2025-01-01T00:00:00Z", "2025-01-01T01:00:00Z", 11)]
    [InlineData("* * * * * *", "2025-01-01T00:00:00Z", "2025-01-01T00:01:00Z", 59)]
    [InlineData("0 0 0 * * Mon-Fri", "2024-12-31T23:59:59Z", "2025-02-01T00:00:00Z", 23)]
    [InlineData("0 0 0 29 Feb *", "2025-01-01T00:00:00Z", "2125-01-01T00:00:00Z", 24)]
    [InlineData("0 0 0 * * *", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z", 0)]
    [InlineData("0 0 0 * * *", "2025-02-01T00:00:00Z", "2025-01-01T00:00:00Z", 0)]
    public void GetOccurrences_counts_with_both_bounds_exclusive(string expression, string from, string to, int expected) =>
        Assert.Equal(expected, TimerSchedule.Parse(expression).GetOccurrences(At(from), At(to)).Count());

    [Fact]
    public void GetOccurrences_excludes_both_bounds()
    {
        var occurrences = TimerSchedule.Parse("0 */5 * * * *")
            .GetOccurrences(At("2025-01-01T00:00:00Z"), At("2025-01-01T01:00:00Z"))
            .ToList();

        Assert.Equal("2025-01-01T00:05:00+00:00", Format(occurrences[0]));
        Assert.Equal("2025-01-01T00:55:00+00:00", Format(occurrences[^1]));
    }

    public static TheoryData<string, Func<DateTime, bool>> BruteForceCases => new()
    {
        { "0 */5 * * * *", t => t.Second == 0 && t.Minute % 5 == 0 },
        { "*/7 1-3,59 * * * *", t => t.Second % 7 == 0 && (t.Minute is >= 1 and <= 3 || t.Minute == 59) },
        { "30 15 9-17/4 * * *", t => t is { Second: 30, Minute: 15, Hour: 9 or 13 or 17 } },
        { "0 0 12 * * Tue,Thu", t => t is { Second: 0, Minute: 0, Hour: 12, DayOfWeek: DayOfWeek.Tuesday or DayOfWeek.Thursday } },
        { "10 20 3 1-7 * Sun", t => t is { Second: 10, Minute: 20, Hour: 3, Day: <= 7, DayOfWeek: DayOfWeek.Sunday } },
    };

    [Theory]
    [MemberData(nameof(BruteForceCases))]
    public void Occurrences_match_a_second_by_second_scan(string expression, Func<DateTime, bool> matches)
    {
        var from = new DateTime(2024, 2, 27, 22, 0, 0);
        var to = new DateTime(2024, 3, 12, 2, 0, 0);
        var expected = new List<DateTimeOffset>();
        for (var t = from.AddSeconds(1); t < to; t = t.AddSeconds(1))
        {
            if (matches(t))
            {
                expected.Add(new DateTimeOffset(t, TimeSpan.Zero));
            }
        }

        var actual = TimerSchedule.Parse(expression).GetOccurrences(new DateTimeOffset(from, TimeSpan.Zero), new DateTimeOffset(to, TimeSpan.Zero));

        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Parse_keeps_the_original_expression()
    {
        var schedule = TimerSchedule.Parse(" 0 30 9 * * Mon-Fri ");

        Assert.Equal(" 0 30 9 * * Mon-Fri ", schedule.Expression);
        Assert.Equal(" 0 30 9 * * Mon-Fri ", schedule.ToString());
    }

    [Fact]
    public void Parse_reports_what_ncrontab_refuses_in_one_line_quoting_the_expression()
    {
        var exception = Assert.Throws<FormatException>(() => TimerSchedule.Parse("0 61 * * * *"));

        Assert.Equal("NCRONTAB '0 61 * * * *': 61 is higher than the maximum allowable value for the [Minute] field. Value must be between 0 and 59 (all inclusive).", exception.Message);
    }

    [Theory]
    [InlineData("60 * * * * *", "[Second]")]
    [InlineData("0 0 24 * * *", "[Hour]")]
    [InlineData("0 0 0 0 * *", "[Day]")]
    [InlineData("0 0 0 * 13 *", "[Month]")]
    [InlineData("0 0 0 * * 7", "[DayOfWeek]")]
    [InlineData("0 99999999999 * * * *", "too large")]
    [InlineData("0 1,,2 * * * *", "cannot be empty")]
    [InlineData(",0 * * * * *", "[Second]")]
    [InlineData("0 1- * * * *", "[Minute]")]
    [InlineData("0 */x * * * *", "[Minute]")]
    [InlineData("0 /5 * * * *", "[Minute]")]
    [InlineData("0 0 Mon * * *", "[Hour]")]
    [InlineData("0 0 0 * Foo *", "[Month]")]
    [InlineData("0 0 0 * * Mon-Fry", "[DayOfWeek]")]
    [InlineData("0 0 0 ? * *", "[Day]")]
    [InlineData("0 0 0 L * *", "[Day]")]
    [InlineData("0 0 0 * * 5#3", "[DayOfWeek]")]
    [InlineData("0 0 0 * * * *", "6 components")]
    [InlineData("0 0 0 * *  ", "[Day]")]
    [InlineData("", "6 components")]
    [InlineData("   ", "6 components")]
    [InlineData("0\t0 6 * * *", "[Minute]")]
    public void Expressions_ncrontab_refuses_throw_FormatException_quoting_the_expression(string expression, string reason)
    {
        var exception = Assert.Throws<FormatException>(() => TimerSchedule.Parse(expression));

        Assert.StartsWith($"NCRONTAB '{expression}': ", exception.Message);
        Assert.Contains(reason, exception.Message);
        Assert.DoesNotContain('\n', exception.Message);
    }

    /// <summary>Where a strict reading of cron would refuse or differ, the Functions host's reading (NCrontab's) is the one that holds.</summary>
    [Theory]
    [InlineData("*/5 * * * *", "2025-01-01T00:02:30Z", "2025-01-01T00:05:00+00:00")]
    [InlineData("30 9 * * Mon-Fri", "2025-01-03T09:30:00Z", "2025-01-06T09:30:00+00:00")]
    [InlineData("0 0 0 * Ju *", "2025-01-01T00:00:00Z", "2025-06-01T00:00:00+00:00")]
    [InlineData("0 0 0 * * Mo", "2025-01-01T00:00:00Z", "2025-01-06T00:00:00+00:00")]
    public void Five_fields_and_short_names_are_read_as_the_functions_host_reads_them(string expression, string after, string expected) =>
        Assert.Equal(expected, Next(expression, after));

    [Fact]
    public void Null_expression_is_rejected() => Assert.Throws<ArgumentNullException>(() => TimerSchedule.Parse(null!));

    private static DateTimeOffset At(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);

    private static string Format(DateTimeOffset value) =>
        value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    private static string Next(string expression, string after) =>
        Format(TimerSchedule.Parse(expression).GetNextOccurrence(At(after)));
}
