using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// <c>token-fetch --telemetry off,metrics,on</c>: the same ActorOAuth target with telemetry off (the default: no meter
/// provider, no tracer), <c>metrics</c> (the Prometheus endpoint on: every meter aggregated, no traces) and on (OTLP
/// traces and metrics of every request, exported to a collector stand-in in the provider helper, plus Prometheus), one
/// fresh embedded host and fleet per setting, in the order given (repeat settings, <c>off,on,off,on</c>, to see the drift
/// of a busy machine). Measured: req/s, latency and bytes allocated per
/// request at each concurrency.
/// </summary>
internal static class TokenFetchTelemetry
{
    public static async Task RunAsync(Options options, string settings, CancellationToken cancellationToken)
    {
        var count = options.Int("connections", 10_000);
        var perTenant = options.Int("per-tenant", 1_000);
        var seconds = options.Int("duration", 30);
        var warmup = options.Int("warmup", 15);
        var levels = options.Ints("concurrency", [16, 64]);
        var runs = settings.Split(',', StringSplitOptions.RemoveEmptyEntries);
        Report.Header("token-fetch (telemetry)", $"{count:N0} connections in {count / perTenant} tenants, embedded; telemetry {string.Join(" → ", runs)}; {seconds} s per run, concurrency {string.Join('/', levels)}");

        await using var provider = await ProviderProcess.StartAsync();
        var results = new List<(string Setting, int Concurrency, Measured Result)>();
        foreach (var setting in runs)
        {
            if (setting is not ("off" or "metrics" or "on"))
            {
                throw new ArgumentException($"--telemetry takes off, metrics and on, comma-separated; not '{setting}'");
            }

            var on = setting == "on";
            // A fresh host each time: its co-hosted silo and in-memory storage start empty.
            var fleet = new Fleet(count, perTenant);
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", on ? provider.Url : null);
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL", on ? "http/protobuf" : null);
            var extra = setting != "off"
                ? new[] { "--ActorOAuth:Telemetry:Prometheus=true", "--ActorOAuth:Telemetry:AdminKeyHashes:0=" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("bench-admin"))) }
                : [];
            await using (var host = await ApiHost.StartAsync(fleet.ApiKeys, extra))
            {
                Report.Step($"telemetry {setting}: seeding {count:N0} connected connections");
                await fleet.SeedAsync(host.Grains, provider.Url, host.CallbackUrl, connect: true, concurrency: 64, cancellationToken);
                await fleet.FetchAllAsync(host.Grains, 64, cancellationToken);
                const string prefix = "/api/connections/";
                Report.Step($"telemetry {setting}: warming up ({warmup} s)");
                await Wrk.RunAsync(host.BaseUrl, prefix, count, perTenant, 64, warmup, cancellationToken);
                foreach (var concurrency in levels)
                {
                    Report.Step($"telemetry {setting}: concurrency {concurrency}");
                    var measured = await Measure.WithCpuAsync(
                        () => Wrk.RunAsync(host.BaseUrl, prefix, count, perTenant, concurrency, seconds, cancellationToken),
                        inProcess: true);
                    results.Add((setting, concurrency, measured));
                }
            }

            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT", null);
            Environment.SetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL", null);
        }

        var exported = await provider.HooksStatsAsync(cancellationToken);
        Report.Table($"Token fetch with telemetry off and on, {count:N0} connections, {seconds} s per run (latency in ms)",
            ["run", "telemetry", "concurrency", "req/s", "p50", "p99", "p99.9", "errors", "server CPU", "bytes allocated/req", "others' CPU"],
            results.Select((r, i) => new[]
            {
                (i / levels.Length + 1).ToString(CultureInfo.InvariantCulture), r.Setting, r.Concurrency.ToString(CultureInfo.InvariantCulture),
                Report.N(r.Result.Load.Rps), Report.Ms(r.Result.Load.P50Us), Report.Ms(r.Result.Load.P99Us), Report.Ms(r.Result.Load.P999Us),
                Report.N(r.Result.Load.Errors), Report.Pct(r.Result.ServerCpu), Report.N(r.Result.AllocatedPerRequest), Report.Pct(r.Result.ForeignCpu),
            }));

        double Mean(string setting, int concurrency, Func<Measured, double> value) =>
            results.Where(r => r.Setting == setting && r.Concurrency == concurrency).Select(r => value(r.Result)).DefaultIfEmpty(double.NaN).Average();
        var ratios = levels.SelectMany(c => new[] { "metrics", "on" }.Where(runs.Contains).Select(setting => new
        {
            concurrency = c,
            telemetry = setting,
            rpsVsOff = Report.Round(Mean(setting, c, m => m.Load.Rps) / Mean("off", c, m => m.Load.Rps)),
            p99VsOff = Report.Round(Mean(setting, c, m => m.Load.P99Us) / Mean("off", c, m => m.Load.P99Us)),
            extraBytesPerRequest = Report.Round(Mean(setting, c, m => m.AllocatedPerRequest) - Mean("off", c, m => m.AllocatedPerRequest), 0),
        })).ToList();
        Report.Table("Against off (means over the runs of each setting)", ["concurrency", "telemetry", "req/s vs off", "p99 vs off", "extra bytes allocated/req"],
            ratios.Select(r => new[]
            {
                r.concurrency.ToString(CultureInfo.InvariantCulture), r.telemetry, Report.X(r.rpsVsOff), Report.X(r.p99VsOff), Report.N(r.extraBytesPerRequest),
            }));
        Console.WriteLine($"OTLP exports received by the collector stand-in: {exported.OtlpRequests:N0} requests, {exported.OtlpBytes / 1024.0 / 1024.0:F1} MiB.");
        Report.JsonLine(new
        {
            scenario = "token-fetch-telemetry",
            date = Report.Started,
            connections = count,
            secondsPerRun = seconds,
            runs = results.Select(r => new
            {
                telemetry = r.Setting,
                concurrency = r.Concurrency,
                rps = Report.Round(r.Result.Load.Rps, 0),
                p50Ms = Report.Round(r.Result.Load.P50Us / 1000, 3),
                p99Ms = Report.Round(r.Result.Load.P99Us / 1000, 3),
                errors = r.Result.Load.Errors,
                serverCpu = Report.Round(r.Result.ServerCpu, 0),
                allocatedBytesPerRequest = Report.Round(r.Result.AllocatedPerRequest, 0),
                othersCpu = Report.Round(r.Result.ForeignCpu, 0),
            }),
            ratios,
            otlpExports = exported.OtlpRequests,
        });
    }
}
