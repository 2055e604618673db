using Commerce.Durable.Hosting;
using Commerce.Functions.Health;
using Commerce.Functions.Orchestrations;
using Commerce.Hosting;
using Commerce.Hosting.Auth;

namespace Commerce.Functions;

/// <summary>The product's function app: every function it ships, registered in one place.</summary>
public static class CommerceApp
{
    public static FunctionAppBuilder CreateBuilder(string[] args)
    {
        var app = FunctionAppBuilder.Create(args);
        app.AddDurableTask(_ => { });
        app.Functions
            .MapHealthApi()
            .MapOrchestrationsApi(endpoint => endpoint.RequireAdmin());
        return app;
    }
}
