using System.Runtime.InteropServices;

namespace ActorOAuth.Benchmarks;

/// <summary>The command line: one command per scenario, plus the helper processes the scenarios start.</summary>
internal static class Cli
{
    private const string Usage = """
        ActorOAuth benchmarks (a console program; CI builds it and never runs it).

        usage: ActorOAuth.Benchmarks <scenario> [options]

        scenarios (each prints a table and, last, one JSON line of results):
          token-fetch     closed-loop HTTP load on POST /api/connections/{id}/token over random ids, side by side
                          with a bare Kestrel endpoint, a database-per-fetch endpoint (Npgsql primary-key read
                          per request) and the raw primary-key read through Npgsql
                            --connections 10000  --duration 30  --concurrency 16,64,256  --warmup 15
                            --warmup-limit 180 (embedded: then both targets 5 s each at every concurrency in turn,
                            until a turn compiled at most 10 methods, or for at most this many seconds)
                            --targets bare,actor,db,pg  --cluster (grains in a PostgreSQL-backed silo started by deploy/local/up.sh)
                            --handout off (every fetch calls its connection, ActorOAuth:Handout:Enabled=false: the path before
                            the hand-out table, for an A/B within one run)
                            --rounds 1 (bare and ActorOAuth measured N times per concurrency, back to back in
                            alternating order; ratios per round, targets judged on the worst round)
                            --settle 5 (seconds of the same load before each measured run, not measured)
                            --slices 1 (each round's runs cut into N slices alternating with the other target's, each
                            after settle/N s, at least 1; the slices of a target merged into one measurement)
                            --control (the bare endpoint measured again in ActorOAuth's place: the method's own spread)
                            --settings Key=Value,… (ActorOAuth settings for the server, e.g.
                            ActorOAuth:Connections:UsedWriteDelay=1.00:00:00: an A/B of a setting, run by run)
                            --telemetry off,metrics,on (instead: ActorOAuth alone with telemetry off, metrics only
                            (/metrics), on (OTLP traces and metrics to a collector stand-in, and /metrics); a fresh
                            host each, in the order given; repeat settings to see drift)
          grain-read      in-process token reads straight on the grain (no HTTP)
                            --connections 10000  --duration 10  --concurrency 16,64,256
          refresh-storm   connections whose tokens expire within the same few minutes, until each refreshed twice
                            --connections 20000  --initial-lifetime 120-180  --refresh-lifetime 120  --fetch-rate 200
                            --timeout 900
          memory          managed heap and RSS per active and per deactivated connection
                            --connections 100000  --hold S (pause S seconds while active, for dotnet-gcdump)
          connect-flow    authorize + callback + code exchange over HTTP, completed connections/s
                            --connections 30000  --duration 20  --concurrency 16,64
          index           the tenant index with every connection in one tenant (in-process silo, storage counting
                          the bytes it writes): seed, random status changes, full listing in pages of 200
                            --sizes 1000,10000,100000  --changes 2000  --page-size 256  --concurrency 64 (seeding)
          webhooks        delivery throughput and lag: one error report per connection, each a signed webhook to a
                          local receiver (one webhook per tenant)
                            --events 10000  --tenants 100  --concurrency 64

          charts          an SVG chart per result and summary.md (Markdown tables, targets) from the scenario logs
                          of a run-all.sh directory (the last JSON line of each *.log)
                            --in /tmp/actoroauth-bench  --out (default: the same directory)

        common options:
          --no-pin        do not pin (by default the server side runs on CPU 1 and load generators on CPU 0)
          --per-tenant N  connections per tenant (one API key each): 1000 for the HTTP scenarios, 100 for
                          the others

        helpers started by the scenarios (not for direct use): provider, pg-load, connect-load
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        var command = args[0];
        var options = Options.Parse(args[1..]);
        switch (command)
        {
            case "provider":
                return await MiniProvider.RunAsync(options);
            case "pg-load":
                return await PgLoad.RunAsync(options);
            case "connect-load":
                return await ConnectLoad.RunAsync(options);
            case "charts":
                return Charts.Run(options);
        }

        Func<Options, CancellationToken, Task>? scenario = command switch
        {
            "token-fetch" => TokenFetch.RunAsync,
            "grain-read" => GrainRead.RunAsync,
            "refresh-storm" => RefreshStorm.RunAsync,
            "memory" => MemoryScenario.RunAsync,
            "connect-flow" => ConnectFlow.RunAsync,
            "index" => IndexScenario.RunAsync,
            "webhooks" => WebhookDelivery.RunAsync,
            _ => null,
        };
        if (scenario is null)
        {
            Console.Error.WriteLine($"unknown scenario '{command}'");
            Console.Error.WriteLine(Usage);
            return 2;
        }

        if (Machine.NeedsPinnedRestart(options))
        {
            return await Machine.RestartPinnedAsync(args);
        }

        using var stop = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }

        try
        {
            await scenario(options, stop.Token);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Console.Error.WriteLine("stopped");
            return 130;
        }
        finally
        {
            await Children.StopAllAsync();
        }
    }
}

/// <summary><c>--name value</c> pairs and <c>--flag</c>s.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }

            var name = args[i][2..];
            var eq = name.IndexOf('=');
            if (eq >= 0)
            {
                options._values[name[..eq]] = name[(eq + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                options._values[name] = args[++i];
            }
            else
            {
                options._values[name] = null;
            }
        }

        return options;
    }

    public bool Flag(string name) => _values.ContainsKey(name);

    public string String(string name, string fallback) => _values.TryGetValue(name, out var v) && v is not null ? v : fallback;

    public string? StringOrNull(string name) => _values.TryGetValue(name, out var v) ? v : null;

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) && v is not null ? int.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public int[] Ints(string name, int[] fallback) => _values.TryGetValue(name, out var v) && v is not null
        ? [.. v.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))]
        : fallback;

    /// <summary>"120-180" or "120".</summary>
    public (int Min, int Max) Range(string name, (int, int) fallback)
    {
        if (!_values.TryGetValue(name, out var v) || v is null)
        {
            return fallback;
        }

        var parts = v.Split('-');
        var min = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        return (min, parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : min);
    }
}
