using Commerce.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Commerce.Durable.Tests;

/// <summary>
/// Microsoft's engine for the conformance runs: DurableTaskTestHost replays the same orchestrator classes with
/// DurableTask.Core over its in-memory orchestration service, behind a gRPC sidecar on a local port. Payloads use the
/// project's JSON conventions there too, as the app's orchestrators and activities read them.
/// </summary>
public static class MicrosoftEngine
{
    public static async Task<DurableTaskTestHost> StartAsync(Action<DurableTaskRegistry> register, ILoggerProvider? logs = null)
    {
        // The host binds the port it is given; another process on this machine may take a free port first, so try again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await DurableTaskTestHost.StartAsync(register, new DurableTaskTestHostOptions
                {
                    Port = FreePort.Next(),
                    LoggerFactory = logs is null ? null : LoggerFactory.Create(b => b.AddProvider(logs)),
                    ConfigureServices = services => services.AddSingleton<DataConverter>(DurableEngineClient.Converter),
                });
            }
            catch (IOException) when (attempt < 3)
            {
            }
        }
    }
}
