namespace Commerce.Hosting.Timers;

/// <summary>What a timer function receives, shaped like the Azure Functions timer binding payload.</summary>
public sealed record TimerInfo(TimerScheduleStatus? ScheduleStatus, bool IsPastDue);

public sealed record TimerScheduleStatus(DateTimeOffset Last, DateTimeOffset Next, DateTimeOffset LastUpdated);
