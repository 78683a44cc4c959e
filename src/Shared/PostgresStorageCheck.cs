using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ActorOAuth.Hosting;

/// <summary>
/// Readiness of the PostgreSQL database that holds the cluster's membership, grain state and reminders: it answers a
/// query on the Orleans query table. Compiled into the API and the silo (the same check on both sides of the cluster).
/// </summary>
internal sealed class PostgresStorageCheck(string? connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT count(*) FROM orleansquery", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL answers");
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL is unreachable: " + e.Message);
        }
    }
}
