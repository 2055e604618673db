namespace Commerce.Intelligence.Churn;

/// <summary>How the churn model is labelled and trained; bound from the Churn:* settings.</summary>
public sealed record ChurnOptions
{
    /// <summary>A customer has churned when they place no order in this many days after the cut.</summary>
    public int HorizonDays { get; init; } = 90;

    /// <summary>The share of the training customers kept aside to calibrate the probabilities (never the evaluation cut).</summary>
    public double CalibrationShare { get; init; } = 0.25;

    public int Seed { get; init; } = 20110611;

    // Chosen by five-fold cross-validation on the training cut alone (never on the evaluation cut).
    public int Trees { get; init; } = 400;
    public int Leaves { get; init; } = 4;
    public int MinCustomersPerLeaf { get; init; } = 50;
    public double LearningRate { get; init; } = 0.02;

    /// <summary>Each tree sees this share of the inputs and 80% of the customers, so no one input or customer dominates.</summary>
    public double InputShare { get; init; } = 0.5;

    /// <summary>How many reasons a customer's risk carries.</summary>
    public int Reasons { get; init; } = 3;
}
