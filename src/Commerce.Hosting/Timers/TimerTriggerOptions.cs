using Commerce.Hosting.Settings;
using Microsoft.Extensions.Configuration;

namespace Commerce.Hosting.Timers;

public sealed record TimerTriggerOptions(TimeZoneInfo TimeZone)
{
    /// <summary>Schedules are read in WEBSITE_TIME_ZONE (an IANA id such as Europe/London), as on Azure; UTC otherwise.</summary>
    public static TimerTriggerOptions Read(IConfiguration configuration)
    {
        var id = configuration.GetString("WEBSITE_TIME_ZONE");
        if (id is null)
            return new TimerTriggerOptions(TimeZoneInfo.Utc);
        try
        {
            return new TimerTriggerOptions(TimeZoneInfo.FindSystemTimeZoneById(id));
        }
        catch (TimeZoneNotFoundException)
        {
            throw new SettingsException("WEBSITE_TIME_ZONE", $"'{id}' is not a time zone known to this machine; use an IANA id such as Europe/London.");
        }
    }
}
