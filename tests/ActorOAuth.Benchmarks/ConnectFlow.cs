namespace ActorOAuth.Benchmarks;

/// <summary>
/// <c>connect-flow</c>: connections are created on the grains (pending); then, over HTTP against the running API,
/// authorize + callback + code exchange (at the provider stand-in) per connection, closed loop from the load core.
/// Completed connections/s.
/// </summary>
internal static class ConnectFlow
{
    public static async Task RunAsync(Options options, CancellationToken cancellationToken)
    {
        var count = options.Int("connections", 30_000);
        var perTenant = options.Int("per-tenant", 1_000);
        var seconds = options.Int("duration", 20);
        var levels = options.Ints("concurrency", [16, 64]);
        var fleet = new Fleet(count, perTenant);
        Report.Header("connect-flow", $"up to {count:N0} pending connections, embedded, over HTTP; {seconds} s per run, concurrency {string.Join('/', levels)}");

        await using var provider = await ProviderProcess.StartAsync();
        await using var host = await ApiHost.StartAsync(fleet.ApiKeys);
        Report.Step($"creating {count:N0} pending connections on the grains");
        await fleet.SeedAsync(host.Grains, provider.Url, host.CallbackUrl, connect: false, concurrency: 64, cancellationToken);

        var warmEnd = Math.Min(count / 10, 2_000);
        Report.Step($"warming up ({warmEnd:N0} connections)");
        var (_, next) = await ConnectLoad.MeasureAsync(host.BaseUrl, 0, warmEnd, perTenant, 16, 60, cancellationToken);
        var rows = new List<(int Concurrency, Measured Result)>();
        foreach (var concurrency in levels)
        {
            Report.Step($"concurrency {concurrency} (connections from {next:N0})");
            var from = next;
            var measured = await Measure.WithCpuAsync(async () =>
            {
                var (result, after) = await ConnectLoad.MeasureAsync(host.BaseUrl, from, count, perTenant, concurrency, seconds, cancellationToken);
                next = after;
                return result;
            });
            rows.Add((concurrency, measured));
        }

        var stats = await provider.StatsAsync(cancellationToken);
        Report.Table("Connect flow (authorize + callback + code exchange), latency of the whole flow in ms",
            ["concurrency", "connections/s", "completed", "seconds", "p50", "p99", "p99.9", "errors", "server CPU", "load CPU"],
            rows.Select(r => new[]
            {
                r.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), Report.N(r.Result.Load.Rps), Report.N(r.Result.Load.Requests),
                Report.N(r.Result.Load.Seconds, 1), Report.Ms(r.Result.Load.P50Us), Report.Ms(r.Result.Load.P99Us), Report.Ms(r.Result.Load.P999Us),
                Report.N(r.Result.Load.Errors), Report.Pct(r.Result.ServerCpu), Report.Pct(r.Result.LoadCpu),
            }));
        Console.WriteLine($"provider: {stats.CodeExchanges:N0} code exchanges for {next:N0} connections attempted");
        Console.WriteLine();
        Report.JsonLine(new
        {
            scenario = "connect-flow",
            date = Report.Started,
            levels = rows.Select(r => new
            {
                concurrency = r.Concurrency,
                connectionsPerSecond = Report.Round(r.Result.Load.Rps, 0),
                completed = r.Result.Load.Requests,
                p50Ms = Report.Round(r.Result.Load.P50Us / 1000, 3),
                p99Ms = Report.Round(r.Result.Load.P99Us / 1000, 3),
                errors = r.Result.Load.Errors,
                serverCpu = Report.Round(r.Result.ServerCpu, 0),
            }),
            codeExchanges = stats.CodeExchanges,
        });
    }
}
