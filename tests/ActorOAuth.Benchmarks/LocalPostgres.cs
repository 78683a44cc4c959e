using System.Diagnostics;
using Npgsql;

namespace ActorOAuth.Benchmarks;

/// <summary>Where the cluster-mode API process and its silo are, and how the benchmark reaches the cluster.</summary>
internal sealed record ClusterEnvironment(string ConnectionString, string ClusterId, string ServiceId, string ApiUrl);

/// <summary>
/// The throwaway PostgreSQL of <c>deploy/local/postgres.sh</c> or, with <c>--cluster</c>, a whole local cluster from
/// <c>deploy/local/up.sh --silos 1 --apis 1</c> (PostgreSQL, migrate, one silo, one API process). Started from this
/// process, so every one of those processes inherits the server CPU. Its own state directory, so it never touches a
/// local cluster someone else runs.
/// </summary>
internal sealed class LocalPostgres : IAsyncDisposable
{
    private readonly string _stateDirectory;
    private readonly bool _cluster;

    private LocalPostgres(string stateDirectory, bool cluster, string connectionString, ClusterEnvironment? environment)
    {
        _stateDirectory = stateDirectory;
        _cluster = cluster;
        ConnectionString = connectionString;
        Cluster = environment;
    }

    /// <summary>The server's <c>postgres</c> database, where the point-read table lives.</summary>
    public string ConnectionString { get; }

    public ClusterEnvironment? Cluster { get; }

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <param name="apiSettings">More settings (<c>Key:Sub=value</c>) for the cluster's API process.</param>
    public static async Task<LocalPostgres> StartAsync(bool cluster, IEnumerable<(string Key, string Tenant)> apiKeys, CancellationToken cancellationToken, IEnumerable<string>? apiSettings = null)
    {
        var state = $"/tmp/actoroauth-bench-{Environment.ProcessId}";
        var start = Script(state, cluster ? "up.sh" : "postgres.sh");
        if (cluster)
        {
            start.ArgumentList.Add("--silos");
            start.ArgumentList.Add("1");
            start.ArgumentList.Add("--apis");
            start.ArgumentList.Add("1");
            start.Environment["ActorOAuth__RateLimits__Enabled"] = "false";
            // Every benchmark tenant's key reaches the API process as configuration in environment form.
            foreach (var (key, tenant) in apiKeys)
            {
                start.Environment[$"ActorOAuth__ApiKeys__{key}"] = tenant;
            }

            foreach (var setting in apiSettings ?? [])
            {
                var eq = setting.IndexOf('=');
                start.Environment[setting[..eq].Replace(":", "__")] = setting[(eq + 1)..];
            }
        }
        else
        {
            start.ArgumentList.Add("start");
        }

        Console.Error.WriteLine($"  starting {(cluster ? "a local cluster (deploy/local/up.sh --silos 1 --apis 1)" : "PostgreSQL (deploy/local/postgres.sh)")} in {state}");
        using (var process = Process.Start(start)!)
        {
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"deploy/local/{(cluster ? "up.sh" : "postgres.sh")} failed ({process.ExitCode})");
            }
        }

        var values = await ReadEnvironmentAsync(state, cancellationToken);
        // The cluster's silo, API and sandbox processes are this run's too.
        var pids = Path.Combine(state, "pids");
        if (Directory.Exists(pids))
        {
            foreach (var file in Directory.EnumerateFiles(pids, "*.pid"))
            {
                if (int.TryParse(await File.ReadAllTextAsync(file, cancellationToken), out var pid))
                {
                    lock (Machine.OwnPids)
                    {
                        Machine.OwnPids.Add(pid);
                    }
                }
            }
        }

        var connectionString = values["CONNECTION_STRING"];
        var pointRead = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", MaxPoolSize = 300 }.ConnectionString;
        var environment = cluster
            ? new ClusterEnvironment(connectionString, values["CLUSTER_ID"], values["SERVICE_ID"], "http://127.0.0.1:" + values["API_1_PORT"])
            : null;
        return new LocalPostgres(state, cluster, pointRead, environment);
    }

    private static ProcessStartInfo Script(string state, string name)
    {
        var start = new ProcessStartInfo("bash") { ArgumentList = { Path.Combine(RepoRoot, "deploy", "local", name) }, UseShellExecute = false };
        start.Environment["ACTOROAUTH_LOCAL_DIR"] = state;
        start.Environment["CONFIGURATION"] = "Release";
        return start;
    }

    private static async Task<Dictionary<string, string>> ReadEnvironmentAsync(string state, CancellationToken cancellationToken)
    {
        string[] names = ["CONNECTION_STRING", "CLUSTER_ID", "SERVICE_ID", "API_1_PORT"];
        var start = new ProcessStartInfo("bash")
        {
            ArgumentList = { "-c", "source \"$1/env\"; " + string.Join("; ", names.Select(n => $"printf '%s\\n' \"${{{n}:-}}\"")), "_", state },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var lines = output.Split('\n');
        return names.Select((n, i) => (n, lines.ElementAtOrDefault(i) ?? "")).ToDictionary(p => p.n, p => p.Item2);
    }

    private static string FindRepoRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ActorOAuth.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("run the benchmarks from inside the repository (ActorOAuth.sln not found)");
    }

    public async ValueTask DisposeAsync()
    {
        // down.sh stops whatever runs and deletes PostgreSQL's data too (postgres.sh stop keeps it).
        var stop = Script(_stateDirectory, "down.sh");
        using var process = Process.Start(stop)!;
        await process.WaitForExitAsync();
        if (Directory.Exists(_stateDirectory))
        {
            Directory.Delete(_stateDirectory, recursive: true);
        }
    }
}
