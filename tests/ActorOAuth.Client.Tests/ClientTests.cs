using System.Net;
using System.Reflection;
using ActorOAuth.Abstractions;
using ActorOAuth.Client.Connections;
using ActorOAuth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ActorOAuth.Client.Tests;

[Collection(KitCollection.Name)]
public sealed class ClientTests(KitFixture fixture)
{
    private IConnectionsClient Connections => fixture.Kit.Client.Connections;

    [Fact]
    public async Task Every_endpoint_of_the_contract_round_trips_through_the_client()
    {
        var id = KitFixture.NewId();
        var settings = ActorOAuthTestKit.SandboxSettings with { Metadata = new Dictionary<string, string> { ["customer"] = id } };

        var created = await Connections.PutAsync(id, settings);
        Assert.True(created.Created);
        Assert.Equal(ConnectionStatus.Pending, created.Connection.Status);
        Assert.Equal(fixture.Kit.Sandbox.TokenUrl, created.Connection.TokenUrl);
        var updated = await Connections.PutAsync(id, settings with { ClientSecret = null });
        Assert.False(updated.Created);

        var start = await Connections.AuthorizeAsync(id);
        Assert.StartsWith(fixture.Kit.Sandbox.AuthorizeUrl + "?", start.AuthorizationUrl);
        Assert.True(start.ExpiresAt > fixture.Kit.Time.GetUtcNow());

        await fixture.Kit.CompleteConsentAsync(id, approve: true);
        Assert.Equal(ConnectionStatus.Configured, (await Connections.GetAsync(id)).Status);

        var token = await Connections.GetTokenAsync(id);
        Assert.Equal("Bearer", token.TokenType);
        Assert.Contains("files.read", token.Scopes);
        Assert.True(await fixture.Kit.Sandbox.IsActiveAsync(token.AccessToken));
        Assert.DoesNotContain(token.AccessToken, token.ToString());
        var forced = await Connections.GetTokenAsync(id, forceRefresh: true);
        Assert.NotNull(forced.ExpiresAt);

        var page = await Connections.ListAsync(new ConnectionQuery { Metadata = new Dictionary<string, string> { ["customer"] = id }, Status = ConnectionStatus.Used });
        Assert.Equal([id], page.Items.Select(c => c.Id));
        Assert.Null(page.Next);

        // Any code but unauthorized just errors the connection (unauthorized also tries one forced refresh to recover it).
        await Connections.ReportErrorAsync(id, "http_403", "403 from files.example");
        var errored = await Connections.GetAsync(id);
        Assert.Equal(ConnectionStatus.Errored, errored.Status);
        Assert.Equal("http_403", errored.LastError?.Code);

        var logs = await Connections.GetLogsAsync(id, limit: 200);
        Assert.Contains(logs, e => e.Event == "token_exchanged");
        Assert.Contains(logs, e => e.Event == "error_reported");
        Assert.True(logs.Zip(logs.Skip(1)).All(pair => pair.First.At >= pair.Second.At), "newest first");

        var disconnected = await Connections.DisconnectAsync(id);
        Assert.Equal(ConnectionStatus.Disconnected, disconnected.Status);
        Assert.False(await fixture.Kit.Sandbox.IsActiveAsync(token.AccessToken));

        Assert.Equal(fixture.Kit.ApiUrl.GetLeftPart(UriPartial.Authority) + "/callback", await fixture.Kit.Client.GetCallbackUrlAsync());

        await Connections.DeleteAsync(id);
        var gone = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Connections.GetAsync(id));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Equal(ActorOAuthProblemCodes.ConnectionNotFound, gone.Code);
    }

    [Fact]
    public async Task Listing_all_pages_returns_every_matching_connection_once_in_id_order()
    {
        var tag = KitFixture.NewId();
        var ids = Enumerable.Range(0, 5).Select(i => $"{tag}-{i}").ToList();
        foreach (var id in ids)
        {
            await Connections.PutAsync(id, ActorOAuthTestKit.SandboxSettings with { Metadata = new Dictionary<string, string> { ["batch"] = tag } });
        }

        var listed = new List<string>();
        await foreach (var connection in Connections.ListAllAsync(new ConnectionQuery { Metadata = new Dictionary<string, string> { ["batch"] = tag }, Limit = 2 }))
        {
            listed.Add(connection.Id);
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public async Task Problems_surface_as_typed_exceptions_with_status_type_code_and_errors()
    {
        var invalid = await Assert.ThrowsAsync<ActorOAuthProblemException>(() =>
            Connections.PutAsync(KitFixture.NewId(), ActorOAuthTestKit.SandboxSettings with { Scopes = ["has space"] }));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal(ActorOAuthProblemCodes.ValidationFailed, invalid.Code);
        Assert.Contains("scopes", invalid.Errors.Keys);
        Assert.NotEmpty(invalid.Errors["scopes"]);
        Assert.NotNull(invalid.Type);
        Assert.Contains("scopes", invalid.Message);

        var badId = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Connections.GetAsync("-not-an-id"));
        Assert.Equal(HttpStatusCode.BadRequest, badId.Status);
        Assert.Contains("id", badId.Errors.Keys);

        var id = KitFixture.NewId();
        await Connections.PutAsync(id, ActorOAuthTestKit.SandboxSettings);
        var pending = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => Connections.GetTokenAsync(id));
        Assert.Equal(HttpStatusCode.Conflict, pending.Status);
        Assert.Equal(ActorOAuthProblemCodes.ConnectionPending, pending.Code);
        Assert.NotNull(pending.Detail);

        var services = new ServiceCollection();
        services.AddActorOAuthClient(o =>
        {
            fixture.Kit.ConfigureClient(o);
            o.ApiKey = "not-a-key";
        });
        await using var provider = services.BuildServiceProvider();
        var unauthorized = await Assert.ThrowsAsync<ActorOAuthProblemException>(() => provider.GetRequiredService<IActorOAuthClient>().Connections.GetAsync(id));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.Status);
        Assert.Equal(ActorOAuthProblemCodes.Unauthorized, unauthorized.Code);
    }

    [Fact]
    public void The_client_knows_every_problem_code_the_API_answers_with()
    {
        var known = typeof(ActorOAuthProblemCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).Order().ToList();
        Assert.Equal(ProblemCodes.All.Order(), known);
    }

    [Fact]
    public void The_client_depends_on_no_Orleans_assembly()
    {
        var references = typeof(IActorOAuthClient).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Microsoft.Extensions.Http", references);
        Assert.DoesNotContain(references, name => name.StartsWith("Orleans", StringComparison.Ordinal) || name.StartsWith("ActorOAuth", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Settings_that_cannot_reach_an_API_are_refused_when_the_client_is_created()
    {
        var services = new ServiceCollection();
        services.AddActorOAuthClient(o => o.BaseAddress = new Uri("/relative", UriKind.Relative));
        await using var provider = services.BuildServiceProvider();
        var refused = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<IActorOAuthClient>());
        Assert.Contains(refused.Failures, f => f.Contains("BaseAddress", StringComparison.Ordinal));
        Assert.Contains(refused.Failures, f => f.Contains("ApiKey", StringComparison.Ordinal));
    }
}
