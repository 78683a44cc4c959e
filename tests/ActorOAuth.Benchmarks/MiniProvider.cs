using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// The minimal local token endpoint (<c>provider</c> helper): <c>POST /token</c> for the authorization_code and
/// refresh_token grants, rotating refresh tokens, and <c>GET /stats</c>. It counts every call and checks each
/// refresh against the expiry of the access token it replaces. Runs in its own process on the load core.
/// <para>
/// Codes are <c>code.{connection}</c>; tokens carry their connection, generation and (access tokens) expiry:
/// <c>at.{connection}.{generation}.{expiresUnixMs}.{random}</c>, <c>rt.{connection}.{generation}.{random}</c>.
/// </para>
/// </summary>
internal sealed class MiniProvider
{
    public const string ReadyLine = "PROVIDER ";

    private readonly ConcurrentDictionary<string, Record> _connections = new(StringComparer.Ordinal);
    private readonly (int Min, int Max) _initialLifetime;
    private readonly int _refreshLifetime;
    private readonly int[] _refreshesPerSecond = new int[24 * 3600];
    private readonly long _startedMs = NowMs();
    private long _codeExchanges;
    private long _refreshCalls;
    private long _refreshes;
    private long _stale;
    private long _late;
    private long _maxLateMs;
    private long _minMarginMs = long.MaxValue;
    private long _firstRefreshMs;
    private long _lastRefreshMs;

    private MiniProvider((int Min, int Max) initialLifetime, int refreshLifetime)
    {
        _initialLifetime = initialLifetime;
        _refreshLifetime = refreshLifetime;
    }

    public static async Task<int> RunAsync(Options options)
    {
        var provider = new MiniProvider(options.Range("initial-lifetime", (3600, 3600)), options.Int("refresh-lifetime", 3600));
        var builder = WebApplication.CreateSlimBuilder([]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{options.Int("port", 0)}");
        await using var app = builder.Build();
        app.MapPost("/token", provider.Token);
        app.MapGet("/stats", provider.Stats);
        WebhookSink.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine(ReadyLine + address);
        // Ends when the benchmark closes our standard input (or kills us).
        await Task.Run(() => Console.In.ReadToEnd());
        await app.StopAsync();
        return 0;
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private async Task Token(HttpContext http)
    {
        var form = await http.Request.ReadFormAsync();
        var grant = form["grant_type"].ToString();
        var now = NowMs();
        string body;
        if (grant == "authorization_code" && form["code"].ToString() is { } code && code.StartsWith("code.", StringComparison.Ordinal))
        {
            var connection = code[5..];
            Interlocked.Increment(ref _codeExchanges);
            var record = _connections.GetOrAdd(connection, _ => new Record());
            lock (record)
            {
                var lifetime = Random.Shared.Next(_initialLifetime.Min, _initialLifetime.Max + 1);
                body = Issue(connection, record, 0, now, lifetime);
            }
        }
        else if (grant == "refresh_token" && form["refresh_token"].ToString().Split('.') is ["rt", var connection, _, _]
            && _connections.TryGetValue(connection, out var record))
        {
            Interlocked.Increment(ref _refreshCalls);
            string? issued = null;
            lock (record)
            {
                record.Calls++;
                // A refresh token other than the current one: a second call for a due time already served.
                if (record.RefreshToken == form["refresh_token"].ToString())
                {
                    if (now > record.AccessExpiresMs)
                    {
                        Interlocked.Increment(ref _late);
                        Atomic.Max(ref _maxLateMs, now - record.AccessExpiresMs);
                    }

                    Atomic.Min(ref _minMarginMs, record.AccessExpiresMs - now);

                    record.Refreshes++;
                    issued = Issue(connection, record, record.Generation + 1, now, _refreshLifetime);
                }
            }

            if (issued is null)
            {
                Interlocked.Increment(ref _stale);
                http.Response.StatusCode = 400;
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync("""{"error":"invalid_grant","error_description":"refresh token already rotated"}""");
                return;
            }

            body = issued;
            Interlocked.Increment(ref _refreshes);
            Interlocked.Increment(ref _refreshesPerSecond[Math.Min((now - _startedMs) / 1000, _refreshesPerSecond.Length - 1)]);
            Interlocked.CompareExchange(ref _firstRefreshMs, now, 0);
            Atomic.Max(ref _lastRefreshMs, now);
        }
        else
        {
            http.Response.StatusCode = 400;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("""{"error":"invalid_grant"}""");
            return;
        }

        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-store";
        await http.Response.WriteAsync(body);
    }

    private static string Issue(string connection, Record record, int generation, long now, int lifetimeSeconds)
    {
        var expires = now + lifetimeSeconds * 1000L;
        var access = $"at.{connection}.{generation}.{expires}.{Random16()}";
        var refresh = $"rt.{connection}.{generation}.{Random16()}";
        record.Generation = generation;
        record.RefreshToken = refresh;
        record.AccessExpiresMs = expires;
        return $$"""{"access_token":"{{access}}","token_type":"Bearer","expires_in":{{lifetimeSeconds}},"refresh_token":"{{refresh}}","scope":"files.read offline_access"}""";
    }

    private static string Random16() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private IResult Stats()
    {
        var refreshedAtLeast = new int[4];
        var maxCalls = 0;
        foreach (var record in _connections.Values)
        {
            lock (record)
            {
                for (var i = 0; i < refreshedAtLeast.Length; i++)
                {
                    if (record.Refreshes >= i)
                    {
                        refreshedAtLeast[i]++;
                    }
                }

                maxCalls = Math.Max(maxCalls, record.Calls - record.Refreshes);
            }
        }

        var perSecond = new Dictionary<string, int>();
        for (var s = 0; s < _refreshesPerSecond.Length; s++)
        {
            if (Volatile.Read(ref _refreshesPerSecond[s]) is > 0 and var n)
            {
                perSecond[((_startedMs / 1000) + s).ToString(CultureInfo.InvariantCulture)] = n;
            }
        }

        return Results.Json(new ProviderStats(
            Interlocked.Read(ref _codeExchanges), Interlocked.Read(ref _refreshCalls), Interlocked.Read(ref _refreshes),
            Interlocked.Read(ref _stale), Interlocked.Read(ref _late), Interlocked.Read(ref _maxLateMs),
            Interlocked.Read(ref _minMarginMs) == long.MaxValue ? 0 : Interlocked.Read(ref _minMarginMs),
            _connections.Count, refreshedAtLeast, maxCalls,
            Interlocked.Read(ref _firstRefreshMs), Interlocked.Read(ref _lastRefreshMs), perSecond));
    }

    private sealed class Record
    {
        public int Generation;
        public string? RefreshToken;
        public long AccessExpiresMs;
        public int Calls;
        public int Refreshes;
    }
}

/// <summary>
/// What the provider counted. <c>MinMarginMs</c>: the least time left on an access token when its refresh arrived.
/// <c>PerSecond</c>: successful refreshes per Unix second.
/// </summary>
internal sealed record ProviderStats(
    long CodeExchanges,
    long RefreshCalls,
    long Refreshes,
    long Stale,
    long Late,
    long MaxLateMs,
    long MinMarginMs,
    int Connections,
    int[] RefreshedAtLeast,
    int MaxExtraCallsPerConnection,
    long FirstRefreshMs,
    long LastRefreshMs,
    Dictionary<string, int> PerSecond);

/// <summary>The provider process, seen from the benchmark.</summary>
internal sealed class ProviderProcess : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly Process _process;
    private readonly HttpClient _http;

    private ProviderProcess(Process process, string url)
    {
        _process = process;
        Url = url;
        _http = new HttpClient { BaseAddress = new Uri(url) };
    }

    public string Url { get; }

    public string TokenUrl => Url + "/token";

    public static async Task<ProviderProcess> StartAsync(string initialLifetime = "3600", int refreshLifetime = 3600)
    {
        var start = Machine.OnCore(Machine.LoadCore,
            Machine.Self(["provider", "--initial-lifetime", initialLifetime, "--refresh-lifetime", refreshLifetime.ToString(CultureInfo.InvariantCulture)]),
            redirect: true);
        start.RedirectStandardInput = true;
        var process = Children.Start(start);
        var timer = Stopwatch.StartNew();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(MiniProvider.ReadyLine, StringComparison.Ordinal))
            {
                lock (Machine.OwnPids)
                {
                    Machine.OwnPids.Add(process.Id);
                }

                return new ProviderProcess(process, line[MiniProvider.ReadyLine.Length..].Trim());
            }

            if (timer.Elapsed > TimeSpan.FromMinutes(1))
            {
                break;
            }
        }

        throw new InvalidOperationException("the provider did not start");
    }

    public async Task<ProviderStats> StatsAsync(CancellationToken cancellationToken = default) =>
        (await _http.GetFromJsonAsync<ProviderStats>("/stats", Json, cancellationToken))!;

    /// <summary>What its webhook receiver and OTLP collector stand-in counted (<see cref="WebhookSink"/>).</summary>
    public async Task<WebhookSinkStats> HooksStatsAsync(CancellationToken cancellationToken = default) =>
        (await _http.GetFromJsonAsync<WebhookSinkStats>("/hooks-stats", Json, cancellationToken))!;

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        Children.Forget(_process);
        _process.Dispose();
    }
}
