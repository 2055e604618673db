using System.Globalization;

namespace Commerce.Retention.Notifications;

/// <summary>One message in each channel's form: the same words, the same offer code and expiry everywhere.</summary>
public static class NotificationRenderer
{
    public const int SmsLength = 160;

    public static OutgoingMessage Render(Notification notification, NotificationChannel channel, string to)
    {
        var content = notification.Content;
        var offer = content.OfferCode is { } code
            ? content.OfferExpiresAt is { } expires
                ? $"Your code {code} is valid until {expires.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}."
                : $"Your code: {code}."
            : null;
        var id = $"{notification.Id}-{channel.ToString().ToLowerInvariant()}";
        if (channel == NotificationChannel.Sms)
        {
            // The body gives way, never the title or the offer.
            var fixedPart = content.Title.Length + 2 + (offer is null ? 0 : offer.Length + 1);
            var room = Math.Max(0, SmsLength - fixedPart);
            var body = content.Body.Length <= room ? content.Body : string.Concat(content.Body.AsSpan(0, Math.Max(0, room - 1)), "…");
            var text = string.Join(" ", new[] { content.Title + ":", body, offer }.Where(p => !string.IsNullOrEmpty(p)));
            return new OutgoingMessage(id, channel, to, null, text);
        }
        var lines = new List<string> { content.Body };
        if (content.Items.Count > 0)
            lines.Add(string.Join("\n", content.Items.Select(i => "- " + i)));
        if (offer is not null)
            lines.Add(offer);
        if (notification.Category == NotificationCategory.Marketing)
            lines.Add("You can turn these messages off in your account's notification settings.");
        return new OutgoingMessage(id, channel, to, content.Title, string.Join("\n\n", lines));
    }
}
