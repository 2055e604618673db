using Commerce.Experiments;
using Commerce.Hosting;

namespace Commerce.Functions.Experiments;

public static class ExperimentsSetup
{
    /// <summary>Experiments, their exposures (through the outbox into the lake) and their results (read from the lake).</summary>
    public static FunctionAppBuilder AddExperiments(this FunctionAppBuilder app)
    {
        app.DocumentContainers.Add(ExperimentStore.Containers);
        app.Services.AddSingleton<ExperimentStore>();
        app.Services.AddSingleton<ExperimentResults>();
        app.Functions.MapExperimentsApi();
        return app;
    }
}
