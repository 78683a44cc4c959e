using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace ActorOAuth.Cluster.Tests;

/// <summary>
/// The real thing: <c>deploy/local/up.sh</c> starts PostgreSQL, 3 silo processes and 1 API process on loopback; one silo
/// is killed with SIGKILL while token fetches run in a loop.
/// </summary>
public sealed partial class MultiProcessTests(ITestOutputHelper output)
{
    /// <summary>
    /// Failure detection passed to the silo processes: a silo that stops answering is suspected after 2 missed 1-second
    /// probes and declared dead once both survivors voted; with table refreshes every 2 s the whole cluster (and the
    /// API's gateway list) knows within seconds. Fetches may fail inside this window, never after it.
    /// </summary>
    private static readonly Dictionary<string, string> FailureDetection = new()
    {
        ["ActorOAuth__Cluster__Membership__ProbeTimeout"] = "00:00:01",
        ["ActorOAuth__Cluster__Membership__NumMissedProbesLimit"] = "2",
        ["ActorOAuth__Cluster__Membership__NumVotesForDeathDeclaration"] = "2",
        ["ActorOAuth__Cluster__Membership__TableRefreshTimeout"] = "00:00:02",
        ["ActorOAuth__Cluster__Membership__IAmAliveTablePublishTimeout"] = "00:00:02",
    };

    private static readonly TimeSpan FailureDetectionWindow = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Sigkill_of_one_of_three_silo_processes_loses_no_token_and_fetches_succeed_after_failure_detection()
    {
        var state = Directory.CreateTempSubdirectory("actoroauth-local-test-").FullName;
        Directory.Delete(state);
        var environment = new Dictionary<string, string>(Environment.GetEnvironmentVariable("ACTOROAUTH_PRODUCTION_FAILURE_DETECTION") is null ? FailureDetection : [])
        {
            ["ACTOROAUTH_LOCAL_DIR"] = state,
            ["CONFIGURATION"] = Repository.Configuration,
            ["CLUSTER_ID"] = "multi-process",
        };
        try
        {
            (await ProcessRunner.RunAsync("bash", ["deploy/local/up.sh", "--silos", "3", "--apis", "1", "--no-build"], TimeSpan.FromMinutes(5), environment))
                .EnsureSuccess("deploy/local/up.sh");
            var settings = ReadEnv(Path.Combine(state, "env"));
            var apiUrl = File.ReadAllLines(Path.Combine(state, "api-urls")).Single();
            using var api = new ApiSession(apiUrl, settings["API_KEY"]);

            var ids = Enumerable.Range(1, 6).Select(i => $"mp-{i}.sandbox").ToArray();
            foreach (var id in ids)
            {
                await api.ConnectAsync(id, settings["SANDBOX_URL"]);
            }

            var tokens = new Dictionary<string, string>();
            foreach (var id in ids)
            {
                tokens[id] = await api.RequireTokenAsync(id);
            }

            var clock = Stopwatch.StartNew();
            var fetches = new List<Fetch>();
            TimeSpan? killedAt = null;
            using var stop = new CancellationTokenSource();
            // A fetch of every connection every 200 ms, each on its own: one that waits (in flight to the killed silo)
            // holds up no other, so the timeline shows what fetches started at any moment get.
            var running = new List<Task>();
            var loop = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    foreach (var id in ids)
                    {
                        running.Add(Task.Run(async () =>
                        {
                            var started = clock.Elapsed;
                            (HttpStatusCode Status, string? AccessToken) answer;
                            try
                            {
                                answer = await api.TokenAsync(id, TimeSpan.FromSeconds(35));
                            }
                            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                            {
                                answer = (0, null);
                            }

                            lock (fetches)
                            {
                                fetches.Add(new Fetch(id, started, clock.Elapsed, answer.AccessToken, answer.Status));
                            }
                        }));
                    }

                    await Task.Delay(200);
                }

                await Task.WhenAll(running);
            });

            await Task.Delay(TimeSpan.FromSeconds(3));
            var pid = int.Parse(File.ReadAllText(Path.Combine(state, "pids", "silo-2.pid")).Trim());
            killedAt = clock.Elapsed;
            (await ProcessRunner.RunAsync("kill", ["-9", pid.ToString()], TimeSpan.FromSeconds(10))).EnsureSuccess("kill -9");

            // Keep fetching well past the window, then stop.
            while (clock.Elapsed < killedAt.Value + FailureDetectionWindow + TimeSpan.FromSeconds(10))
            {
                await Task.Delay(500);
            }

            await stop.CancelAsync();
            await loop;

            List<Fetch> all;
            lock (fetches)
            {
                all = [.. fetches];
            }

            var timeline = string.Join("\n", all.Where(f => f.Token is null).Select(f =>
                $"{(int)f.Status} {f.Id} at +{(f.Started - killedAt.Value).TotalSeconds:0.0}s, answered after {(f.Finished - f.Started).TotalSeconds:0.0}s"));
            output.WriteLine(timeline);
            var failures = all.Where(f => f.Token is null && f.Finished >= killedAt).OrderBy(f => f.Started).ToList();
            output.WriteLine($"{all.Count} fetches, {failures.Count} failed after the kill" + (failures.Count == 0 ? "" :
                $", from +{(failures[0].Started - killedAt.Value).TotalSeconds:0.0}s to +{(failures[^1].Finished - killedAt.Value).TotalSeconds:0.0}s"));
            Assert.All(all.Where(f => f.Finished < killedAt), f => Assert.NotNull(f.Token));
            // While the silo is being declared dead, a fetch that cannot be served says so: 503 with Retry-After, never a 500.
            Assert.True(failures.All(f => f.Status == HttpStatusCode.ServiceUnavailable), "fetches failed otherwise than with 503:\n" + timeline);
            var afterWindow = all.Where(f => f.Started > killedAt + FailureDetectionWindow).ToList();
            Assert.True(afterWindow.Count >= ids.Length * 3, $"only {afterWindow.Count} fetches after the window\n{timeline}");
            Assert.True(afterWindow.All(f => f.Token is not null), "fetches failed after the failure-detection window:\n" + timeline);
            foreach (var id in ids)
            {
                // Nothing lost: the same token (1-hour lifetime, no refresh due), the connection still in use.
                Assert.Equal(tokens[id], afterWindow.Last(f => f.Id == id).Token);
                Assert.Equal("used", (await api.GetAsync(id)).GetProperty("status").GetString());
            }

            // The survivors declared the killed silo dead and logged it.
            var survivorLogs = string.Join("\n", new[] { "silo-1", "silo-3" }.Select(s => File.ReadAllText(Path.Combine(state, "logs", s + ".log"))));
            Assert.Matches(DeadSilo2(), survivorLogs);
        }
        finally
        {
            var down = await ProcessRunner.RunAsync("bash", ["deploy/local/down.sh"], TimeSpan.FromMinutes(2), environment);
            Assert.Equal(0, down.ExitCode);
            Assert.False(Directory.Exists(state));
        }
    }

    /// <summary>Reads the KEY=value lines deploy/local writes (values quoted with bash printf %q).</summary>
    private static Dictionary<string, string> ReadEnv(string path) =>
        File.ReadAllLines(path).Where(l => l.Contains('='))
            .ToDictionary(l => l[..l.IndexOf('=')], l => Unquote().Replace(l[(l.IndexOf('=') + 1)..], "$1"));

    private sealed record Fetch(string Id, TimeSpan Started, TimeSpan Finished, string? Token, HttpStatusCode Status);

    [GeneratedRegex(@"\\(.)")]
    private static partial Regex Unquote();

    [GeneratedRegex(@"silo silo-2 \(.*\) \w+ -> Dead")]
    private static partial Regex DeadSilo2();
}
