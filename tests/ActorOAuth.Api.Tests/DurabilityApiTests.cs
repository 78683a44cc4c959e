using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ActorOAuth.Abstractions;
using ActorOAuth.Grains;
using ActorOAuth.Testing;

namespace ActorOAuth.Api.Tests;

/// <summary>Through the API: a 2xx only once the change is stored; a 503 with Retry-After and a code otherwise; every problem has its code.</summary>
[Collection(ApiCollection.Name)]
public sealed class DurabilityApiTests(ApiFixture fixture)
{
    private static GrainId Id(string id) => GrainId.Create("connection", ConnectionKeys.For("tenant-a", id));

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
    }

    private async Task<HttpResponseMessage> WhileStorageFails(string id, Func<Task<HttpResponseMessage>> act)
    {
        fixture.Storage.FailWrites(Id(id));
        try
        {
            return await act();
        }
        finally
        {
            fixture.Storage.RestoreWrites(Id(id));
        }
    }

    [Fact]
    public async Task A_put_whose_write_fails_answers_503_with_retry_after_and_changes_nothing()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        (await fixture.ConnectAsync(api, id)).EnsureSuccessStatusCode();
        var before = await api.GetStringAsync($"/api/connections/{id}");

        var refused = await WhileStorageFails(id, () => api.PutAsJsonAsync($"/api/connections/{id}", new
        {
            provider = "sandbox", clientId = "actoroauth", scopes = new[] { "files.read" }, metadata = new { plan = "pro" },
        }));

        await AssertProblem(refused, HttpStatusCode.ServiceUnavailable, ProblemCodes.StorageUnavailable);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal(before, await api.GetStringAsync($"/api/connections/{id}"));
    }

    [Fact]
    public async Task A_new_connection_whose_write_fails_answers_503_and_does_not_exist()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();

        var refused = await WhileStorageFails(id, () => api.PutAsJsonAsync($"/api/connections/{id}", fixture.SandboxSettings()));

        await AssertProblem(refused, HttpStatusCode.ServiceUnavailable, ProblemCodes.StorageUnavailable);
        await AssertProblem(await api.GetAsync($"/api/connections/{id}"), HttpStatusCode.NotFound, ProblemCodes.ConnectionNotFound);
        var listed = await api.GetFromJsonAsync<JsonElement>("/api/connections?limit=200");
        Assert.DoesNotContain(listed.GetProperty("items").EnumerateArray(), c => c.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task A_disconnect_or_error_report_whose_write_fails_answers_503_and_the_token_is_still_handed_out()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        (await fixture.ConnectAsync(api, id)).EnsureSuccessStatusCode();
        var token = await (await api.PostAsync($"/api/connections/{id}/token", null)).Content.ReadFromJsonAsync<JsonElement>();

        await AssertProblem(await WhileStorageFails(id, () => api.PostAsync($"/api/connections/{id}/disconnect", null)),
            HttpStatusCode.ServiceUnavailable, ProblemCodes.StorageUnavailable);
        await AssertProblem(await WhileStorageFails(id, () => api.PostAsJsonAsync($"/api/connections/{id}/errors", new { code = "unauthorized" })),
            HttpStatusCode.ServiceUnavailable, ProblemCodes.StorageUnavailable);
        await AssertProblem(await WhileStorageFails(id, () => api.DeleteAsync($"/api/connections/{id}")),
            HttpStatusCode.ServiceUnavailable, ProblemCodes.StorageUnavailable);

        var again = await api.PostAsync($"/api/connections/{id}/token", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(token.GetProperty("accessToken").GetString(), (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString());
        Assert.Equal("used", (await api.GetFromJsonAsync<JsonElement>($"/api/connections/{id}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Problems_a_caller_branches_on_carry_their_code()
    {
        using var api = fixture.Client();
        var pending = ApiFixture.NewId();
        (await api.PutAsJsonAsync($"/api/connections/{pending}", fixture.SandboxSettings())).EnsureSuccessStatusCode();
        var disconnected = ApiFixture.NewId();
        (await fixture.ConnectAsync(api, disconnected)).EnsureSuccessStatusCode();
        (await api.PostAsync($"/api/connections/{disconnected}/disconnect", null)).EnsureSuccessStatusCode();

        await AssertProblem(await api.PostAsync($"/api/connections/{pending}/token", null), HttpStatusCode.Conflict, ProblemCodes.ConnectionPending);
        await AssertProblem(await api.PostAsync($"/api/connections/{disconnected}/token", null), HttpStatusCode.Conflict, ProblemCodes.ConnectionDisconnected);
        await AssertProblem(await api.PostAsJsonAsync($"/api/connections/{pending}/errors", new { code = "x" }), HttpStatusCode.Conflict, ProblemCodes.ConnectionPending);
        await AssertProblem(await api.GetAsync("/api/connections/never-made"), HttpStatusCode.NotFound, ProblemCodes.ConnectionNotFound);
        await AssertProblem(await api.GetAsync("/api/connections/bad%20id"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        await AssertProblem(await api.GetAsync("/api/connections?status=nope"), HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        using var anonymous = fixture.Client(apiKey: null);
        await AssertProblem(await anonymous.GetAsync("/api/connections"), HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task A_repeated_used_entry_whose_deferred_write_fails_stays_logged_and_is_not_reported_as_a_change_being_retried()
    {
        using var api = fixture.Client();
        var id = ApiFixture.NewId();
        (await fixture.ConnectAsync(api, id)).EnsureSuccessStatusCode();
        (await api.PostAsync($"/api/connections/{id}/token", null)).EnsureSuccessStatusCode();
        var options = new ConnectionOptions();
        fixture.Time.Advance(options.UsedLogInterval * 1.25);
        var logged = fixture.Logs.Entries.Count;
        var grain = Id(id).ToString();
        IEnumerable<string> Logged() => fixture.Logs.Entries.Skip(logged).Where(l => l.Message.Contains(grain, StringComparison.Ordinal)).Select(l => l.Message);

        fixture.Storage.FailWrites(Id(id));
        try
        {
            // The fetch is served and the connection logs the repeated entry in its turn; its write is deferred.
            (await api.PostAsync($"/api/connections/{id}/token", null)).EnsureSuccessStatusCode();
            await ClusterWithSandbox.Eventually(async () => await ApiFixture.UsedEntriesAsync(api, id) == 2, because: "the connection logs the repeated used entry");
            fixture.Time.Advance(options.UsedWriteDelay + TimeSpan.FromSeconds(1));
            await ClusterWithSandbox.Eventually(() => Task.FromResult(Logged().Any(m => m.Contains("a deferred write", StringComparison.Ordinal))),
                because: "the deferred write fails and says that it waits for the next write");
        }
        finally
        {
            fixture.Storage.RestoreWrites(Id(id));
        }

        Assert.DoesNotContain(Logged(), m => m.Contains("retrying", StringComparison.Ordinal));
        Assert.Equal(2, await ApiFixture.UsedEntriesAsync(api, id));
    }
}
