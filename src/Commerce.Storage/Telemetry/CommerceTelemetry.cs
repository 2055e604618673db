using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Commerce.Telemetry;

/// <summary>
/// The product's one trace source and one meter. Every area records on these, so that exporting the product's
/// telemetry is one name to subscribe to; with no listener attached, starting a span or recording a measurement costs
/// next to nothing.
/// </summary>
public static class CommerceTelemetry
{
    public const string Name = "Commerce";

    public static ActivitySource Source { get; } = new(Name);

    public static Meter Meter { get; } = new(Name);
}
