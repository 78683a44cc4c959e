using Npgsql;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// The design most peers use, in the same process shape: a route on the very same web application (same Kestrel,
/// middleware, API-key check) that reads the token row by primary key through Npgsql on every fetch and returns it.
/// PostgreSQL runs on the server CPU too, as it would beside such a service. <see cref="Prefix"/> has the length of
/// <c>/api/connections/</c>.
/// </summary>
internal sealed class DbPerFetchEndpoint : IAsyncDisposable
{
    public const string Prefix = "/api/postgres-pk/";

    private NpgsqlDataSource? _data;

    public void Map(WebApplication app) =>
        app.MapPost(Prefix + "{id}/token", async (string id, HttpContext http) =>
        {
            await using var connection = await _data!.OpenConnectionAsync(http.RequestAborted);
            await using var command = new NpgsqlCommand($"SELECT body FROM {PgLoad.Table} WHERE id = $1", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            var body = (string?)await command.ExecuteScalarAsync(http.RequestAborted);
            if (body is null)
            {
                return Results.NotFound();
            }

            http.Response.Headers.CacheControl = "no-store";
            http.Response.Headers.Pragma = "no-cache";
            return Results.Text(body, "application/json; charset=utf-8");
        }).RequireAuthorization().ExcludeFromDescription();

    /// <summary>A pool of up to 100 connections with prepared statements, as a service would keep.</summary>
    public void Connect(string connectionString) =>
        _data = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = 100,
            MaxAutoPrepare = 4,
            AutoPrepareMinUsages = 1,
            NoResetOnClose = true,
        }.ConnectionString);

    /// <summary>Closes the idle pooled connections (PostgreSQL allows 200; the raw read opens up to 100 of its own).</summary>
    public void Release() => _data?.Clear();

    public async ValueTask DisposeAsync()
    {
        if (_data is not null)
        {
            await _data.DisposeAsync();
        }
    }
}
