using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using ActorOAuth.Api.Infrastructure;

namespace ActorOAuth.Api.Tests;

[Collection(OwnHosts.Name)]
public sealed partial class ApiCommandTests
{
    [Fact]
    public async Task New_api_key_prints_a_key_and_the_hash_that_makes_the_api_accept_it_for_the_tenant()
    {
        var (exit, output, _) = Run("new-api-key", "--tenant", "acme");

        Assert.Equal(0, exit);
        var key = Key().Match(output).Groups[1].Value;
        var hash = Hash().Match(output).Groups[1].Value;
        Assert.Equal(ApiKeyRing.HashOf(key), hash);
        Assert.True(key.Length >= 40, "at least 256 random bits");
        Assert.Contains($"ActorOAuth__ApiKeyHashes__{hash}=acme", output);
        Assert.NotEqual(key, Key().Match(Run("new-api-key", "--tenant=acme").Output).Groups[1].Value);

        // Configured with the hash alone, the API accepts the key as the tenant's, and no other.
        await using var api = await RunningApi.StartAsync(["--environment=Production", $"--ActorOAuth:ApiKeyHashes:{hash}=acme"]);
        using var client = new HttpClient { BaseAddress = new Uri(api.BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/callback-url")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/connections/unknown")).StatusCode);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/callback-url")).StatusCode);
    }

    [Theory]
    [InlineData("new-api-key")]
    [InlineData("new-api-key", "--tenant")]
    [InlineData("new-api-key", "--tenant", "has space")]
    [InlineData("new-api-key", "--tenant", "a:b")]
    public void New_api_key_without_a_valid_tenant_prints_why_and_no_key(params string[] args)
    {
        var (exit, output, error) = Run(args);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains("tenant", error);
    }

    [Fact]
    public void Arguments_that_name_no_command_run_the_api() =>
        Assert.Null(ApiCommands.TryRun(["--urls=http://127.0.0.1:5000"], TextWriter.Null, TextWriter.Null));

    private static (int? Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = ApiCommands.TryRun(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [GeneratedRegex("^key: +(\\S+)$", RegexOptions.Multiline)]
    private static partial Regex Key();

    [GeneratedRegex("^hash: +([0-9a-f]{64})$", RegexOptions.Multiline)]
    private static partial Regex Hash();
}
