using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Testing;

namespace ActorOAuth.Api.Tests;

/// <summary>After full flows, no secret appears in any log line, connection log or API response but the token hand-out.</summary>
[Collection(ApiCollection.Name)]
public sealed class SecretLeakTests(ApiFixture fixture)
{
    [Fact]
    public async Task No_token_code_verifier_or_secret_leaves_through_logs_or_responses()
    {
        var responses = new List<string>();
        using var api = new HttpClient(new Recorder(responses)) { BaseAddress = new Uri(fixture.BaseUrl) };
        api.DefaultRequestHeaders.Authorization = new("Bearer", ApiFixture.KeyA);
        var ids = new[] { ApiFixture.NewId(), ApiFixture.NewId() };
        foreach (var id in ids)
        {
            var callback = await fixture.ConnectAsync(api, id, settings: new
            {
                provider = "sandbox",
                clientId = RunningSandbox.ClientId,
                clientSecret = RunningSandbox.ClientSecret,
                scopes = new[] { "files.read", "offline_access" },
                tokenAuthMethod = id == ids[0] ? "client_secret_basic" : "client_secret_post",
            });
            responses.Add(await callback.Content.ReadAsStringAsync());
            fixture.Time.Advance(TimeSpan.FromSeconds(10));
            var handedOut = await api.PostAsJsonAsync($"/api/connections/{id}/token", new { forceRefresh = true });
            Assert.True(handedOut.IsSuccessStatusCode);
            responses.RemoveAt(responses.Count - 1); // the one response whose job is to carry the access token
            await api.PostAsJsonAsync($"/api/connections/{id}/errors", new { code = "unauthorized", message = "401" });
            await api.GetAsync($"/api/connections/{id}");
            await api.GetAsync($"/api/connections/{id}/logs?limit=200");
            await api.PostAsync($"/api/connections/{id}/disconnect", null);
            await api.GetAsync($"/api/connections/{id}/logs?limit=200");
        }

        await api.GetAsync("/api/connections?limit=200");
        var secrets = Secrets();
        Assert.Contains(RunningSandbox.ClientSecret, secrets);
        Assert.Contains(secrets, s => s.StartsWith("eyJ", StringComparison.Ordinal));
        Assert.True(secrets.Count >= 8, $"only {secrets.Count} secrets collected");

        AssertNoneLeaked(secrets, fixture.Logs.Lines, responses);
    }

    /// <summary>None of <paramref name="secrets"/> appears in any log line or response body (the provider tests scan with it too).</summary>
    internal static void AssertNoneLeaked(IEnumerable<string> secrets, IEnumerable<string> logLines, IEnumerable<string> responses)
    {
        var lines = logLines.ToList();
        var bodies = responses.ToList();
        Assert.NotEmpty(lines);
        Assert.NotEmpty(bodies);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(bodies, body => body.Contains(secret, StringComparison.Ordinal));
        }
    }

    /// <summary>Every access token, refresh token, code, PKCE verifier and client secret the grains sent or received.</summary>
    private HashSet<string> Secrets()
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal) { RunningSandbox.ClientSecret };
        foreach (var call in fixture.ProviderCalls.Calls)
        {
            foreach (var field in new[] { "code", "code_verifier", "refresh_token", "client_secret", "token" })
            {
                if (call.Fields.TryGetValue(field, out var value) && value.Length >= 8)
                {
                    secrets.Add(value);
                }
            }

            if (call.ResponseBody is { Length: > 0 } body && body.TrimStart().StartsWith('{'))
            {
                using var json = JsonDocument.Parse(body);
                foreach (var name in new[] { "access_token", "refresh_token", "id_token" })
                {
                    if (json.RootElement.TryGetProperty(name, out var token) && token.GetString() is { Length: >= 8 } value)
                    {
                        secrets.Add(value);
                    }
                }
            }
        }

        return secrets;
    }

    private sealed class Recorder(List<string> bodies) : DelegatingHandler(new HttpClientHandler { AllowAutoRedirect = false })
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            bodies.Add(await response.Content.ReadAsStringAsync(cancellationToken));
            return response;
        }
    }
}
