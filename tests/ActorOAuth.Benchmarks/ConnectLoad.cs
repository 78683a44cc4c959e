using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// The <c>connect-load</c> helper (on the load core): for connections <c>--from</c>…<c>--to</c> (created, pending),
/// <c>POST /api/connections/{id}/authorize</c>, then the browser's <c>GET /callback?code=code.{id}&amp;state=…</c>;
/// the API resolves the state, the grain exchanges the code at the provider stand-in and stores the tokens. Closed
/// loop at a fixed concurrency, until the duration or the connections run out.
/// </summary>
internal static class ConnectLoad
{
    private const string ResultLine = "CONNECTLOAD ";

    public static async Task<(LoadResult Result, int Next)> MeasureAsync(string url, int from, int to, int perTenant, int concurrency, int seconds, CancellationToken cancellationToken)
    {
        var start = Machine.OnCore(Machine.LoadCore, Machine.Self(
        [
            "connect-load", "--url", url, "--from", I(from), "--to", I(to), "--per-tenant", I(perTenant),
            "--concurrency", I(concurrency), "--duration", I(seconds),
        ]), redirect: true);
        var output = await Children.RunAsync(start, cancellationToken);
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith(ResultLine, StringComparison.Ordinal))
            ?? throw new InvalidOperationException("connect-load printed no result:\n" + output);
        var parts = line[ResultLine.Length..].Split(' ', 2);
        return (JsonSerializer.Deserialize<LoadResult>(parts[1])!, int.Parse(parts[0], CultureInfo.InvariantCulture));
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static async Task<int> RunAsync(Options options)
    {
        var url = options.String("url", "");
        var from = options.Int("from", 0);
        var to = options.Int("to", 0);
        var perTenant = options.Int("per-tenant", 1_000);
        var concurrency = options.Int("concurrency", 16);
        var duration = TimeSpan.FromSeconds(options.Int("duration", 20));
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, MaxConnectionsPerServer = concurrency * 2 })
        {
            BaseAddress = new Uri(url),
        };
        var next = from - 1;
        var errors = 0L;
        var latencies = new List<long>[concurrency];
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = [];
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= to)
                {
                    break;
                }

                var id = $"c{i:D6}";
                var key = $"key-t{i / perTenant:D3}";
                var t0 = Stopwatch.GetTimestamp();
                try
                {
                    using var authorize = new HttpRequestMessage(HttpMethod.Post, $"/api/connections/{id}/authorize")
                    {
                        Content = new StringContent("{}", Encoding.UTF8, "application/json"),
                    };
                    authorize.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                    using var started = await http.SendAsync(authorize);
                    started.EnsureSuccessStatusCode();
                    using var json = JsonDocument.Parse(await started.Content.ReadAsStringAsync());
                    var authorizationUrl = json.RootElement.GetProperty("authorizationUrl").GetString()!;
                    var state = QueryHelpers.ParseQuery(new Uri(authorizationUrl).Query)["state"].ToString();
                    using var callback = await http.GetAsync($"/callback?code=code.{id}&state={Uri.EscapeDataString(state)}");
                    if (callback.StatusCode != HttpStatusCode.OK)
                    {
                        throw new HttpRequestException($"callback answered {(int)callback.StatusCode}");
                    }

                    mine.Add(Stopwatch.GetTimestamp() - t0);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        var result = LoadResult.From(latencies.SelectMany(l => l), Stopwatch.GetElapsedTime(started), errors);
        Console.WriteLine($"{ResultLine}{Math.Min(Volatile.Read(ref next) + 1, to)} {JsonSerializer.Serialize(result)}");
        return 0;
    }
}
