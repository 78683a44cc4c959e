using System.Collections.Concurrent;
using System.Net;

namespace ActorOAuth.Testing;

/// <summary>
/// A handler in the grains' provider HTTP pipeline that records every token-endpoint call (grant
/// type and the refresh token sent) and can answer some refreshes with a provider outage — the
/// one behaviour the real sandbox cannot show. Everything else goes through to the real provider.
/// </summary>
public sealed class ProviderCallLog
{
    private readonly ConcurrentQueue<ProviderCall> _calls = new();
    private readonly ConcurrentDictionary<string, int> _outages = new();

    /// <summary>Every call so far, in order.</summary>
    public IReadOnlyList<ProviderCall> Calls => [.. _calls];

    /// <summary>Refresh calls made with this refresh token.</summary>
    public int RefreshCallsWith(string refreshToken) => _calls.Count(c => c.GrantType == "refresh_token" && c.RefreshToken == refreshToken);

    /// <summary>The next <paramref name="times"/> refreshes with this refresh token get a 503 without reaching the provider.</summary>
    public void FailRefreshes(string refreshToken, int times) => _outages[refreshToken] = times;

    /// <summary>The handler to add to the grains' provider <see cref="HttpClient"/>; it stamps calls with <paramref name="time"/>.</summary>
    public DelegatingHandler CreateHandler(TimeProvider time) => new Handler(this, time);

    private sealed class Handler(ProviderCallLog log, TimeProvider time) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is FormUrlEncodedContent form)
            {
                var body = await form.ReadAsStringAsync(cancellationToken);
                var fields = body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => Uri.UnescapeDataString(p.ElementAtOrDefault(1) ?? "").Replace('+', ' '));
                var grantType = fields.GetValueOrDefault("grant_type");
                var refreshToken = fields.GetValueOrDefault("refresh_token");
                var call = new ProviderCall(time.GetUtcNow(), request.RequestUri!, grantType, refreshToken) { Fields = fields };
                log._calls.Enqueue(call);
                if (refreshToken is not null && log._outages.TryGetValue(refreshToken, out var left) && left > 0)
                {
                    log._outages[refreshToken] = left - 1;
                    return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request, Content = new StringContent("upstream unavailable") };
                }

                var response = await base.SendAsync(request, cancellationToken);
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                call.ResponseBody = await response.Content.ReadAsStringAsync(cancellationToken);
                return response;
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>One call a grain made to a provider.</summary>
public sealed record ProviderCall(DateTimeOffset At, Uri Url, string? GrantType, string? RefreshToken)
{
    /// <summary>Every form field sent (code, code_verifier, client_secret with client_secret_post…).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>What the provider answered (tokens included), when it answered.</summary>
    public string? ResponseBody { get; set; }
}
