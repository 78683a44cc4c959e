using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace ActorOAuth.Sandbox;

internal sealed class SandboxDbContext(DbContextOptions<SandboxDbContext> options) : DbContext(options);

/// <summary>
/// Owns the connection that keeps one sandbox's shared-cache in-memory SQLite database alive;
/// the DbContexts open their own connections to the same database by name.
/// </summary>
internal sealed class SandboxDatabase : IDisposable
{
    private readonly SqliteConnection _keepAlive;

    public SandboxDatabase()
    {
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = $"sandbox-{Guid.NewGuid():N}",
            Mode = SqliteOpenMode.Memory,
            Cache = SqliteCacheMode.Shared,
        }.ToString();

        _keepAlive = new SqliteConnection(ConnectionString);
        _keepAlive.Open();
    }

    public string ConnectionString { get; }

    public void Dispose()
    {
        SqliteConnection.ClearPool(_keepAlive);
        _keepAlive.Dispose();
    }
}
