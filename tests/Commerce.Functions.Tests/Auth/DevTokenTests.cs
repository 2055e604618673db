using System.Net;
using System.Net.Http.Headers;
using Commerce.Testing;

namespace Commerce.Functions.Tests.Auth;

public sealed class DevTokenTests
{
    [Fact]
    public async Task In_development_dev_token_prints_only_a_token_that_the_app_accepts()
    {
        using var data = new TempDirectory();
        var development = new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Auth__SigningKey"] = null,
            ["Storage__DataDirectory"] = data.Path,
        };
        string token;
        await using (var command = AppProcess.Start(["dev-token", "--sub", "ops-1", "--role", "admin"], development))
        {
            Assert.Equal(0, await command.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            token = Assert.Single(command.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim();
        }
        Assert.Equal(3, token.Split('.').Length);

        var port = FreePort.Next();
        await using var app = AppProcess.Start(["--urls", $"http://127.0.0.1:{port}"], development);
        await app.WaitForSuccessAsync($"http://127.0.0.1:{port}/api/health", TimeSpan.FromSeconds(60));
        using var client = new HttpClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"http://127.0.0.1:{port}/api/orchestrations")).StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token[..^2] + "xx");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"http://127.0.0.1:{port}/api/orchestrations")).StatusCode);
    }

    [Fact]
    public async Task A_debug_build_started_without_an_environment_is_development()
    {
        using var data = new TempDirectory();
        await using var command = AppProcess.Start(["dev-token", "--sub", "dev-1"], new Dictionary<string, string?> { ["Storage__DataDirectory"] = data.Path });

        Assert.Equal(0, await command.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal(3, Assert.Single(command.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)).Trim().Split('.').Length);
    }

    [Fact]
    public async Task Outside_development_dev_token_refuses_with_one_line()
    {
        using var data = new TempDirectory();
        await using var command = AppProcess.Start(["dev-token", "--sub", "ops-1", "--role", "admin"], new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Storage__DataDirectory"] = data.Path,
        });

        Assert.Equal(1, await command.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Empty(command.StandardOutput.Trim());
        Assert.Contains("Development", Assert.Single(command.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Theory]
    [InlineData("--sub", "ops-1", "--role", "owner")]
    [InlineData("--role", "admin")]
    public async Task Bad_arguments_are_refused_without_a_token(params string[] arguments)
    {
        using var data = new TempDirectory();
        await using var command = AppProcess.Start(["dev-token", .. arguments], new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Storage__DataDirectory"] = data.Path,
        });

        Assert.Equal(64, await command.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Empty(command.StandardOutput.Trim());
    }

    [Fact]
    public async Task Production_without_a_signing_key_or_authority_does_not_start()
    {
        using var data = new TempDirectory();
        await using var app = AppProcess.Start(["--urls", $"http://127.0.0.1:{FreePort.Next()}"], new Dictionary<string, string?>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Auth__SigningKey"] = null,
            ["Storage__DataDirectory"] = data.Path,
        });

        Assert.Equal(2, await app.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.StartsWith("Invalid setting Auth:SigningKey", Assert.Single(app.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }
}
