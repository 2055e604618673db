using System.Diagnostics;
using System.Text;
using Commerce.Durable.Engine;
using Commerce.Durable.Storage;
using Commerce.Storage.Blobs.Folder;
using Commerce.Storage.Documents;
using Commerce.Storage.Documents.Sqlite;
using Commerce.Storage.Queues;
using Commerce.Storage.Queues.Sqlite;
using Commerce.Storage.Sqlite;
using Commerce.Testing;
using Microsoft.DurableTask.Client;
using Xunit.Abstractions;

namespace Commerce.Durable.Tests;

/// <summary>The engine in real worker processes on one SQLite store: killed without warning, and two at once.</summary>
public sealed class WorkerProcessTests(ITestOutputHelper output)
{
    private const int Steps = 4;

    [Fact]
    public async Task Instances_survive_repeated_kills_and_each_side_effect_happens_once()
    {
        using var data = new TempDirectory("durable-crash");
        const int instances = 4000;
        var random = new Random(20261122);
        var kills = 0;
        for (var round = 0; round < 5; round++)
        {
            using var worker = Worker.Start(data.Path, instances);
            await Task.Delay(random.Next(300, 1200));
            if (worker.HasExited)
            {
                Assert.True(await worker.WaitForExitAsync(TimeSpan.FromSeconds(5)) == 0, worker.Output);
                break;
            }
            worker.Kill();
            kills++;
        }
        using (var last = Worker.Start(data.Path, instances))
            Assert.True(await last.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, last.Output);

        Assert.True(kills >= 1, "no worker was killed mid-run; the test proved nothing");
        var reruns = await VerifyAsync(data.Path, instances);
        output.WriteLine($"{kills} workers killed; {reruns} activity runs were repeats of interrupted ones, each without a second effect.");
    }

    [Fact]
    public async Task Two_workers_on_one_store_complete_every_instance_and_advance_none_twice()
    {
        using var data = new TempDirectory("durable-two-workers");
        const int instances = 40;
        using var one = Worker.Start(data.Path, instances);
        using var two = Worker.Start(data.Path, instances);

        Assert.True(await one.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, one.Output);
        Assert.True(await two.WaitForExitAsync(TimeSpan.FromMinutes(3)) == 0, two.Output);

        await VerifyAsync(data.Path, instances);
    }

    /// <returns>how many activity runs were repeats (proof that the kills interrupted work).</returns>
    private static async Task<int> VerifyAsync(string dataDirectory, int instances)
    {
        using var documentsDb = new SqliteDatabase(Path.Combine(dataDirectory, "documents.db"));
        using var queuesDb = new SqliteDatabase(Path.Combine(dataDirectory, "queues.db"));
        var documents = new SqliteDocumentStore(documentsDb);
        var blobs = new FolderBlobStore(Path.Combine(dataDirectory, "blobs"));
        var client = new DurableEngineClient(new DurableStore(documents, blobs, new QueueEnvelopeStore(new SqliteQueueStore(queuesDb), blobs, new QueueEnvelopeOptions()), TimeProvider.System), new InstanceNotifications(), TimeProvider.System);
        var effects = await documents.GetContainerAsync("test-effects");
        var executions = await documents.GetContainerAsync("test-executions");

        var effectKeys = (await effects.QueryAllAsync("effects", DocumentQuery.All with { PageSize = 1000 })).Select(d => d.Id).ToList();
        var expectedKeys = Enumerable.Range(0, instances).SelectMany(i => Enumerable.Range(1, Steps).Select(s => $"crash-{i:D3}:{s}")).ToList();
        Assert.Equal(expectedKeys.Order(), effectKeys.Order());

        var repeats = 0;
        for (var i = 0; i < instances; i++)
        {
            var id = $"crash-{i:D3}";
            var instance = await client.GetInstanceAsync(id, getInputsAndOutputs: true);
            Assert.NotNull(instance);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
            Assert.Equal(string.Join(",", Enumerable.Range(1, Steps).Select(s => $"{id}:{s}")), instance.ReadOutputAs<string>());

            var history = (await client.GetHistoryAsync(id))!;
            var scheduled = history.OfType<ActionEvent>().Select(a => a.EventId).ToList();
            var completed = history.OfType<CompletionEvent>().Select(c => c.TaskScheduledId).ToList();
            Assert.Equal(scheduled.Count, scheduled.Distinct().Count());
            Assert.Equal(completed.Count, completed.Distinct().Count());
            Assert.Equal(Steps + 1, scheduled.Count);
            Assert.Single(history.OfType<ExecutionStarted>());

            for (var step = 1; step <= Steps; step++)
            {
                var runs = (await executions.QueryAllAsync($"{id}:{step}", DocumentQuery.All)).Count;
                Assert.True(runs >= 1);
                repeats += runs - 1;
            }
        }
        return repeats;
    }

    /// <summary>The test worker program (tests/Commerce.Durable.TestWorker) as a child process.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private Worker(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
            _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public bool HasExited => _process.HasExited;

        public string Output { get { lock (_output) return _output.ToString(); } }

        public static Worker Start(string dataDirectory, int instances)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                Path.Combine(AppContext.BaseDirectory, "Commerce.Durable.TestWorker.dll"),
                "--instances", instances.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"--Storage:DataDirectory={dataDirectory}",
                "--Queues:MessageLease=00:00:02",
                "--Queues:MaxPollingInterval=00:00:00.200",
                "--Logging:LogLevel:Default=Warning",
                $"--Auth:SigningKey={FunctionAppHarness.TestSigningKey}",
            })
                start.ArgumentList.Add(argument);
            return new Worker(Process.Start(start)!);
        }

        public void Kill()
        {
            using var kill = Process.Start("kill", $"-KILL {_process.Id}");
            kill.WaitForExit();
            _process.WaitForExit();
        }

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                return -1;
            }
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }
}
