using System.Diagnostics;
using System.Text;

namespace ActorOAuth.Cluster.Tests;

/// <summary>Runs a command to completion with a time limit and returns what it printed.</summary>
public static class ProcessRunner
{
    public sealed record Output(int ExitCode, string StandardOutput, string StandardError)
    {
        public Output EnsureSuccess(string what) => ExitCode == 0
            ? this
            : throw new InvalidOperationException($"{what} exited with {ExitCode}:\n{StandardOutput}\n{StandardError}");
    }

    public static async Task<Output> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, IDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var readOut = Task.Run(async () => stdout.Append(await process.StandardOutput.ReadToEndAsync()));
        var readErr = Task.Run(async () => stderr.Append(await process.StandardError.ReadToEndAsync()));
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}");
        }

        await Task.WhenAll(readOut, readErr);
        return new Output(process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
