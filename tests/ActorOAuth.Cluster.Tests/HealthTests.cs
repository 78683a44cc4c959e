using System.Net;
using System.Text.Json;

namespace ActorOAuth.Cluster.Tests;

/// <summary>The silos and the API answer <c>/healthz</c> and <c>/readyz</c> with the same JSON shape.</summary>
[Collection(PostgresCollection.Name)]
public sealed class HealthTests(PostgresServer postgres)
{
    [Fact]
    public async Task Silo_and_api_answer_healthz_and_readyz_with_one_json_shape()
    {
        await using var cluster = new LocalCluster(await postgres.CreateMigratedDatabaseAsync("health"), "health");
        var silo = await cluster.StartSiloAsync();
        await cluster.StartApiAsync();
        using var http = new HttpClient();

        foreach (var (host, baseUrl) in new[] { ("silo", silo.Urls.First()), ("api", cluster.ApiUrl) })
        {
            var live = await ReadAsync(http, baseUrl + "/healthz");
            Assert.Equal("Healthy", live.GetProperty("status").GetString());
            Assert.Empty(live.GetProperty("checks").EnumerateObject());

            var ready = await ReadAsync(http, baseUrl + "/readyz");
            Assert.Equal("Healthy", ready.GetProperty("status").GetString());
            var checks = ready.GetProperty("checks");
            Assert.Equal(["cluster", "storage"], checks.EnumerateObject().Select(c => c.Name).Order(StringComparer.Ordinal));
            foreach (var check in checks.EnumerateObject())
            {
                Assert.Equal(["description", "status"], check.Value.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
                Assert.Equal("Healthy", check.Value.GetProperty("status").GetString());
                Assert.False(string.IsNullOrEmpty(check.Value.GetProperty("description").GetString()), $"{host} {check.Name}");
            }

            Assert.Equal("PostgreSQL answers", checks.GetProperty("storage").GetProperty("description").GetString());
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
