using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ActorOAuth.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ActorOAuth.Api.Tests;

/// <summary>
/// The Development embedded default as <c>dotnet run</c> starts it: the sandbox program as a child process beside the
/// API, on the API's port + 100 or a free one, with the catalog entry following it; silo ports free ones.
/// </summary>
[Collection(OwnHosts.Name)]
public sealed class EmbeddedDefaultTests
{
    [Fact]
    public async Task Two_embedded_instances_run_side_by_side_each_with_its_own_sandbox_and_the_quick_start_works_on_both()
    {
        var first = await RunningApi.StartAsync(["--environment=Development", "--ActorOAuth:Sandbox:Enabled=true"]);
        var second = await RunningApi.StartAsync(["--environment=Development", "--ActorOAuth:Sandbox:Enabled=true"]);
        var sandboxes = new[] { first, second }.Select(SandboxUrl).ToList();
        try
        {
            Assert.NotEqual(sandboxes[0], sandboxes[1]);
            foreach (var (api, sandbox) in new[] { first, second }.Zip(sandboxes))
            {
                var port = new Uri(api.BaseUrl).Port;
                Assert.True(new Uri(sandbox).Port == port + 100 || port + 100 > 65535 || InUseElsewhere(port + 100), $"{sandbox} for the API on {port}");
                await QuickStartAsync(api, sandbox);
            }
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
        }

        // Stopped with their APIs.
        foreach (var sandbox in sandboxes)
        {
            await ClusterWithSandbox.Eventually(async () => !await AnswersAsync(sandbox), TimeSpan.FromSeconds(10), $"{sandbox} still answers");
        }
    }

    [Theory]
    [InlineData("http://localhost:5000", null, 5000)]
    [InlineData("http://+:8080;https://+:8443", null, 8080)]
    [InlineData("http://127.0.0.1:0", null, null)]
    [InlineData(null, "8080", 8080)]
    [InlineData(null, null, 5000)]
    public void The_sandbox_port_is_derived_from_the_port_the_api_listens_on(string? urls, string? httpPorts, int? port)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["urls"] = urls, ["http_ports"] = httpPorts }).Build();

        Assert.Equal(port, SandboxHost.ApiPort(configuration));
    }

    private static string SandboxUrl(RunningApi api) =>
        api.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<SandboxHost>().Single().Url;

    /// <summary>The README's quick start against this instance: PUT with provider sandbox, authorize, approve, token.</summary>
    private static async Task QuickStartAsync(RunningApi api, string sandbox)
    {
        using var client = new HttpClient { BaseAddress = new Uri(api.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", "dev-key");
        var put = await client.PutAsJsonAsync("/api/connections/acme-42.sandbox", new
        {
            provider = "sandbox", clientId = "actoroauth", clientSecret = "sandbox-secret", scopes = new[] { "files.read", "offline_access" },
        });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var view = await put.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(sandbox + "/connect/token", view.GetProperty("tokenUrl").GetString());
        var authorize = await client.PostAsync("/api/connections/acme-42.sandbox/authorize", null);
        var url = (await authorize.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("authorizationUrl").GetString()!;
        Assert.StartsWith(sandbox + "/connect/authorize?", url);
        var callback = await RunningSandbox.ConsentAsync(url, approve: true);
        Assert.Equal(api.BaseUrl + "/callback", callback.GetLeftPart(UriPartial.Path));
        using var browser = new HttpClient();
        Assert.Contains("Authorization completed successfully", await browser.GetStringAsync(callback));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/api/connections/acme-42.sandbox/token", null)).StatusCode);
    }

    private static async Task<bool> AnswersAsync(string url)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await client.GetAsync(url + "/.well-known/openid-configuration");
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static bool InUseElsewhere(int port)
    {
        try
        {
            using var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }
}
