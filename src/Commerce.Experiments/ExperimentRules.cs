namespace Commerce.Experiments;

/// <summary>The guard rails every experiment is held to.</summary>
public static class ExperimentRules
{
    /// <summary>No difference is called significant on fewer exposures per variant than this, whatever the horizon.</summary>
    public const int MinimumExposuresPerVariant = 100;

    public const int MaxExposuresPerVariant = 10_000_000;

    public const int MaxVariants = 10;

    public const int MaxAttributionDays = 90;

    /// <summary>A split this unlikely under the declared weights means assignment or logging is broken: the result is not read.</summary>
    public const double SampleRatioAlarm = 0.001;

    public const double SignificanceLevel = 0.05;
}
