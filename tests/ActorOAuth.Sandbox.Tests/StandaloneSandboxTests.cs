using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ActorOAuth.Sandbox.Tests;

/// <summary>The sandbox as its own program (<c>dotnet run --project src/ActorOAuth.Sandbox</c>), as the API's Development default starts it.</summary>
public sealed class StandaloneSandboxTests
{
    [Fact]
    public async Task The_sandbox_program_leaves_when_the_process_that_started_it_is_gone()
    {
        using var parent = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ActorOAuth.Sandbox.dll"));
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{FreePort()}");
        start.ArgumentList.Add($"--ParentProcessId={parent.Id}");
        start.ArgumentList.Add("--Sandbox:RedirectUris:0=http://127.0.0.1:5999/callback");
        using var sandbox = Process.Start(start)!;
        sandbox.BeginOutputReadLine();
        sandbox.BeginErrorReadLine();
        try
        {
            // Gone before the sandbox is even up (the API crashed while starting it): it still leaves, once started.
            parent.Kill();
            using var exited = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            await sandbox.WaitForExitAsync(exited.Token);
            Assert.Equal(0, sandbox.ExitCode);
        }
        finally
        {
            if (!sandbox.HasExited)
            {
                sandbox.Kill();
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
