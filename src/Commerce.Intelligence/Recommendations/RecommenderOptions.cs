namespace Commerce.Intelligence.Recommendations;

/// <summary>The training parameters; written into every model's manifest.</summary>
public sealed record RecommenderOptions
{
    /// <summary>EASE's L2 penalty.</summary>
    public double EaseLambda { get; init; } = 500;

    /// <summary>Catalogues with more items than this use implicit ALS instead of EASE's dense item x item inverse.</summary>
    public int DenseItemLimit { get; init; } = 6_000;

    public int AlsFactors { get; init; } = 64;
    public int AlsIterations { get; init; } = 12;

    /// <summary>How many of each source's best items enter the candidate set.</summary>
    public int CandidatesPerSource { get; init; } = 50;

    /// <summary>The ranker learns from the candidates made before (cut - this many days) and what was bought from then to the cut.</summary>
    public int RankerLabelDays { get; init; } = 91;

    public int RankerTrees { get; init; } = 100;
    public int RankerLeaves { get; init; } = 15;
    public double RankerLearningRate { get; init; } = 0.05;
    public int RankerMinimumLeafExamples { get; init; } = 100;

    /// <summary>Ranked items kept per known buyer in the serving model.</summary>
    public int ServedPerBuyer { get; init; } = 60;

    public int Seed { get; init; } = 7;
}
