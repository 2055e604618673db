using Commerce.Retention.Notifications;

namespace Commerce.Retention.Tests.Notifications;

public sealed class RenderingAndQuietHoursTests
{
    private static readonly NotificationSettings Settings = new() { OutboxFolder = "unused" };
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    private static Notification Message(string body) => new()
    {
        Id = "n-1",
        Key = "k",
        CustomerId = "ann",
        Category = NotificationCategory.Marketing,
        Topic = "reorder_reminder",
        Content = new NotificationContent("Time to reorder", body) { OfferCode = "RABC123", OfferExpiresAt = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero), Items = ["RED MUG", "TEA TOWEL"] },
        CreatedAt = DateTimeOffset.UnixEpoch,
        Deliveries = [],
    };

    [Fact]
    public void Every_channel_carries_the_same_offer_and_sms_stays_within_one_text_by_shortening_the_body()
    {
        var message = Message(string.Concat(Enumerable.Repeat("Your regular items are due. ", 20)));
        var email = NotificationRenderer.Render(message, NotificationChannel.Email, "ann@example.com");
        var sms = NotificationRenderer.Render(message, NotificationChannel.Sms, "+447700900123");

        Assert.Equal(("Time to reorder", "n-1-email", "n-1-sms"), (email.Subject, email.Id, sms.Id));
        Assert.Contains("- RED MUG\n- TEA TOWEL", email.Body);
        Assert.Contains("Your code RABC123 is valid until 1 April 2026.", email.Body);
        Assert.Contains("turn these messages off", email.Body);
        Assert.True(sms.Body.Length <= NotificationRenderer.SmsLength, $"{sms.Body.Length} characters");
        Assert.StartsWith("Time to reorder: Your regular", sms.Body);
        Assert.EndsWith("Your code RABC123 is valid until 1 April 2026.", sms.Body);
    }

    [Theory]
    // Quiet 21:00-08:00 London time. Winter: London is UTC.
    [InlineData("2026-01-15T12:00:00Z", "2026-01-15T12:00:00Z")]
    [InlineData("2026-01-15T20:59:00Z", "2026-01-15T20:59:00Z")]
    [InlineData("2026-01-15T21:00:00Z", "2026-01-16T08:00:00Z")]
    [InlineData("2026-01-16T03:00:00Z", "2026-01-16T08:00:00Z")]
    // Summer: 21:00 London is 20:00 UTC, 08:00 London is 07:00 UTC.
    [InlineData("2026-07-01T20:30:00Z", "2026-07-02T07:00:00Z")]
    // The night the clocks go forward (29 March 2026, 01:00 UTC): the morning is already summer time.
    [InlineData("2026-03-28T22:00:00Z", "2026-03-29T07:00:00Z")]
    public void Quiet_hours_hold_marketing_until_the_next_morning_in_the_customers_zone(string now, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            Settings.NextSendable(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture), London));
    }

    [Fact]
    public void Messages_held_overnight_are_released_spread_over_the_hour_after_quiet_hours_end_each_at_a_stable_time()
    {
        var night = new DateTimeOffset(2026, 1, 15, 22, 0, 0, TimeSpan.Zero);
        var morning = new DateTimeOffset(2026, 1, 16, 8, 0, 0, TimeSpan.Zero);
        var keys = Enumerable.Range(0, 600).Select(i => $"offer-{i}").ToList();

        var released = keys.Select(k => Settings.ReleaseAt(night, London, k)).ToList();

        Assert.All(released, at => Assert.InRange(at, morning, morning.AddHours(1) - TimeSpan.FromTicks(1)));
        // Six ten-minute slices of the hour each take about a sixth (100 of 600): none is more than half as full again.
        var slices = released.GroupBy(at => (int)((at - morning).TotalMinutes / 10)).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(Enumerable.Range(0, 6), slice => Assert.InRange(slices.GetValueOrDefault(slice), 50, 150));
        Assert.Equal(released, keys.Select(k => Settings.ReleaseAt(night.AddHours(3), London, k)));
        // Outside quiet hours, and with no release window, nothing waits beyond the end.
        Assert.Equal(morning.AddHours(3), Settings.ReleaseAt(morning.AddHours(3), London, "offer-0"));
        Assert.All(keys, k => Assert.Equal(morning, (Settings with { QuietHoursRelease = TimeSpan.Zero }).ReleaseAt(night, London, k)));
    }

    [Fact]
    public void Quiet_hours_within_a_day_and_none_at_all_are_both_honoured()
    {
        var lunch = Settings with { QuietFrom = new TimeOnly(12, 0), QuietTo = new TimeOnly(14, 0) };
        var none = Settings with { QuietFrom = new TimeOnly(0, 0), QuietTo = new TimeOnly(0, 0) };
        var at = new DateTimeOffset(2026, 1, 15, 13, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 1, 15, 14, 0, 0, TimeSpan.Zero), lunch.NextSendable(at, London));
        Assert.Equal(at, none.NextSendable(at, London));
        Assert.Equal(at.AddHours(2), lunch.NextSendable(at.AddHours(2), London));
    }
}
