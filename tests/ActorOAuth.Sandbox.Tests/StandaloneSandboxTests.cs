using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ActorOAuth.Sandbox.Tests;

/// <summary>The sandbox as its own program (<c>dotnet run --project src/ActorOAuth.Sandbox</c>), as the API's Development default starts it.</summary>
public sealed class StandaloneSandboxTests
{
    [Fact]
    public async Task The_sandbox_program_serves_and_leaves_when_the_process_that_started_it_is_gone()
    {
        using var parent = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        var url = $"http://127.0.0.1:{FreePort()}";
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ActorOAuth.Sandbox.dll"));
        start.ArgumentList.Add($"--urls={url}");
        start.ArgumentList.Add($"--ParentProcessId={parent.Id}");
        start.ArgumentList.Add("--Sandbox:RedirectUris:0=http://127.0.0.1:5999/callback");
        using var sandbox = Process.Start(start)!;
        sandbox.BeginOutputReadLine();
        sandbox.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            while (true)
            {
                try
                {
                    var discovery = await http.GetAsync(url + "/.well-known/openid-configuration");
                    Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && DateTime.UtcNow < deadline && !sandbox.HasExited)
                {
                    await Task.Delay(200);
                }
            }

            parent.Kill();
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await sandbox.WaitForExitAsync(exited.Token);
        }
        finally
        {
            if (!sandbox.HasExited)
            {
                sandbox.Kill();
            }

            if (!parent.HasExited)
            {
                parent.Kill();
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
