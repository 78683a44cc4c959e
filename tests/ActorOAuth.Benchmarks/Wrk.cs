using System.Globalization;
using System.Text.Json;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// Debian's <c>wrk</c> (C, one event-loop thread, pinned to the load core) with <c>wrk-token.lua</c>: closed loop,
/// keep-alive, each request prebuilt so the generator costs little CPU.
/// </summary>
internal static class Wrk
{
    public static void EnsureInstalled()
    {
        if (!File.Exists("/usr/bin/wrk") && !File.Exists("/usr/local/bin/wrk"))
        {
            throw new InvalidOperationException("wrk is not installed: apt-get update && apt-get install -y wrk");
        }
    }

    public static async Task<LoadResult> RunAsync(string baseUrl, string prefix, int connections, int perTenant, int concurrency, int seconds, CancellationToken cancellationToken)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "wrk-token.lua");
        var start = Machine.OnCore(Machine.LoadCore, ("wrk",
        [
            "-t1", $"-c{concurrency}", $"-d{seconds}s", "--timeout", "10s", "-s", script, baseUrl, "--",
            connections.ToString(CultureInfo.InvariantCulture), perTenant.ToString(CultureInfo.InvariantCulture), prefix,
        ]), redirect: true);
        var output = await Children.RunAsync(start, cancellationToken);
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("WRK ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("wrk printed no result:\n" + output);
        using var json = JsonDocument.Parse(line[4..]);
        var r = json.RootElement;
        long L(string name) => r.GetProperty(name).GetInt64();
        var errors = L("connect") + L("read") + L("write") + L("status") + L("timeout");
        var secondsTaken = L("durationUs") / 1e6;
        var quantiles = r.GetProperty("q").EnumerateArray().Select(q => (q[0].GetDouble(), q[1].GetDouble())).ToArray();
        return new LoadResult(L("requests"), secondsTaken, L("requests") / secondsTaken, L("p50"), L("p99"), L("p999"), L("max"), errors,
            new LatencyQuantiles(L("requests"), quantiles));
    }
}
