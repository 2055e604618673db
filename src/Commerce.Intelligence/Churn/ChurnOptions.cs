namespace Commerce.Intelligence.Churn;

/// <summary>How the churn model is labelled and trained; bound from the Churn:* settings.</summary>
public sealed record ChurnOptions
{
    /// <summary>A customer has churned when they place no order in this many days after the cut.</summary>
    public int HorizonDays { get; init; } = 90;

    /// <summary>The share of the training customers kept aside to calibrate the probabilities (never the evaluation cut).</summary>
    public double CalibrationShare { get; init; } = 0.25;

    public int Seed { get; init; } = 20110611;

    // The trees' settings were chosen on a validation split carved from the past of the training cut, never on the evaluation cut:
    // fitted on 2011-03-13 (labels to 2011-06-11) and measured on 2011-06-11.
    public int Trees { get; init; } = 100;
    public int Leaves { get; init; } = 4;
    public int MinCustomersPerLeaf { get; init; } = 50;
    public double LearningRate { get; init; } = 0.02;

    /// <summary>Each tree sees this share of the inputs and 80% of the customers, so no one input or customer dominates.</summary>
    public double InputShare { get; init; } = 0.5;

    /// <summary>How many reasons a customer's risk carries.</summary>
    public int Reasons { get; init; } = 3;
}
