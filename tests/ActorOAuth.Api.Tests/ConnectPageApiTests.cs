using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Testing;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.Tests;

/// <summary>The connect pages' settings, the connect-session endpoints in the OpenAPI document, and the reference at /docs.</summary>
[Collection(ApiCollection.Name)]
public sealed class ConnectPageApiTests(ApiFixture fixture)
{
    public static TheoryData<string, string, string> BadSettings => new()
    {
        { "ActorOAuth:Tenants:acme:Branding:AccentColor", "blue", "ActorOAuth:Tenants:acme:Branding:AccentColor must be a colour in the form #rrggbb" },
        { "ActorOAuth:Tenants:acme:Branding:AccentColor", "#ffff00", "ActorOAuth:Tenants:acme:Branding:AccentColor #ffff00 is too light" },
        { "ActorOAuth:Tenants:acme:Branding:LogoUrl", "http://cdn.example.com/logo.png", "ActorOAuth:Tenants:acme:Branding:LogoUrl must be an absolute https URL" },
        { "ActorOAuth:Tenants:acme:Branding:DisplayName", " ", "ActorOAuth:Tenants:acme:Branding:DisplayName must be 1 to 100 characters" },
        { "ActorOAuth:Tenants:acme:FrameAncestors:0", "https://portal.example.com/embed", "ActorOAuth:Tenants:acme:FrameAncestors:0 must be an origin" },
        { "ActorOAuth:Tenants:acme:FrameAncestors:0", "*", "ActorOAuth:Tenants:acme:FrameAncestors:0 must be an origin" },
        { "ActorOAuth:ConnectPages:CallbackWait", "00:00:00", "ActorOAuth:ConnectPages:CallbackWait must be between 00:00:01 and 00:01:00" },
        { "ActorOAuth:ConnectPages:OutcomeWait", "00:02:00", "ActorOAuth:ConnectPages:OutcomeWait must be between 00:00:01 and 00:01:00" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_branding_framing_or_wait_setting_stops_the_api_at_start_naming_its_key(string key, string value, string message)
    {
        await using var app = ProductionApp.Build($"--{key}={value}");

        var refused = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(message, refused.Message);
    }

    [Fact]
    public async Task The_openapi_document_describes_connect_sessions_with_summaries_and_the_bearer_scheme_on_every_api_operation()
    {
        using var client = fixture.Client(apiKey: null);
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");

        var create = paths.GetProperty("/api/connect-sessions").GetProperty("post");
        foreach (var status in new[] { "201", "400", "401", "404", "429", "503" })
        {
            Assert.True(create.GetProperty("responses").TryGetProperty(status, out _), $"POST /api/connect-sessions documents {status}");
        }

        Assert.True(paths.GetProperty("/api/connect-sessions/{token}").GetProperty("delete").GetProperty("responses").TryGetProperty("204", out _));
        var operations = paths.EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Path: p.Name, Method: o.Name, Operation: o.Value))).ToList();
        Assert.True(operations.Count >= 12);
        foreach (var (path, method, operation) in operations)
        {
            Assert.False(string.IsNullOrEmpty(operation.TryGetProperty("summary", out var s) ? s.GetString() : null), $"{method} {path} has a summary");
            var security = operation.GetProperty("security").EnumerateArray().Single();
            Assert.True(security.TryGetProperty("ApiKey", out _), $"{method} {path} requires the bearer scheme");
        }

        Assert.DoesNotContain(paths.EnumerateObject(), p => p.Name.StartsWith("/connect", StringComparison.Ordinal) || p.Name.StartsWith("/callback", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Docs_serve_the_interactive_reference_over_the_openapi_document()
    {
        using var client = new HttpClient { BaseAddress = new Uri(fixture.BaseUrl) };

        var docs = await client.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Equal("text/html", docs.Content.Headers.ContentType?.MediaType);
        var html = await docs.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html);
        Assert.Contains("\"preferredSecurityScheme\":[\"ApiKey\"]", html);
        Assert.Contains("ActorOAuth API", html);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Api_processes_sharing_a_key_directory_accept_each_others_anti_forgery_tokens(bool shared)
    {
        var first = Directory.CreateTempSubdirectory("actoroauth-keys-");
        var second = shared ? first : Directory.CreateTempSubdirectory("actoroauth-keys-");
        try
        {
            await using var one = KeyedApp(first.FullName);
            await using var two = KeyedApp(second.FullName);
            var page = new DefaultHttpContext { RequestServices = one.Services };
            var tokens = one.Services.GetRequiredService<IAntiforgery>().GetAndStoreTokens(page);
            var cookie = page.Response.Headers.SetCookie.ToString().Split(';')[0];

            var post = new DefaultHttpContext { RequestServices = two.Services };
            post.Request.Method = "POST";
            post.Request.Headers.Cookie = cookie;
            post.Request.ContentType = "application/x-www-form-urlencoded";
            post.Request.Body = new MemoryStream(System.Text.Encoding.ASCII.GetBytes($"{tokens.FormFieldName}={Uri.EscapeDataString(tokens.RequestToken!)}"));

            Assert.Equal(shared, await two.Services.GetRequiredService<IAntiforgery>().IsRequestValidAsync(post));
        }
        finally
        {
            first.Delete(recursive: true);
            if (!shared)
            {
                second.Delete(recursive: true);
            }
        }
    }

    [Fact]
    public async Task Revoking_an_unknown_session_is_a_404_problem_with_its_code()
    {
        using var api = fixture.Client();

        var unknown = await api.DeleteAsync("/api/connect-sessions/" + new string('A', 43));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("connect_session_not_found", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    private static WebApplication KeyedApp(string keyDirectory) => ActorOAuthApp.Build(
    [
        "--environment=Production",
        $"--urls=http://127.0.0.1:{RunningSandbox.FreePort()}",
        $"--Orleans:SiloPort={RunningSandbox.FreePort()}",
        $"--Orleans:GatewayPort={RunningSandbox.FreePort()}",
        "--Logging:LogLevel:Default=None",
        $"--ActorOAuth:ConnectPages:KeyDirectory={keyDirectory}",
    ]);
}
