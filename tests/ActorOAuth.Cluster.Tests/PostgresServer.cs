using ActorOAuth.Silo;
using Npgsql;

namespace ActorOAuth.Cluster.Tests;

/// <summary>
/// A throwaway PostgreSQL from this machine's server binaries: initdb into a temp directory, started on a free
/// loopback port with its socket in that directory, stopped and deleted at the end. PostgreSQL refuses to run as
/// root, so under root (CI) it runs as the <c>postgres</c> user, in a directory under /tmp that user can reach.
/// Each test class takes its own database from it (<see cref="CreateDatabaseAsync"/>).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private static readonly bool IsRoot = Environment.UserName == "root";
    private string _directory = "";

    public string BinDirectory { get; private set; } = "";

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        BinDirectory = FindBinaries();
        // Never under root's home or $TMPDIR when that is private: the postgres user must reach it.
        _directory = Directory.CreateTempSubdirectory("actoroauth-pg-").FullName;
        if (IsRoot && !OperatingSystem.IsWindows())
        {
            var shared = Path.Combine("/tmp", Path.GetFileName(_directory));
            if (shared != _directory)
            {
                Directory.Delete(_directory);
                _directory = Directory.CreateDirectory(shared).FullName;
            }

            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            (await ProcessRunner.RunAsync("chown", ["postgres:", _directory], TimeSpan.FromSeconds(10))).EnsureSuccess("chown");
        }

        (await RunAsPostgres(Path.Combine(BinDirectory, "initdb"), ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-locale"], TimeSpan.FromMinutes(2)))
            .EnsureSuccess("initdb");
        for (var attempt = 1; ; attempt++)
        {
            Port = Testing.RunningSandbox.FreePort();
            var started = await StartServerAsync();
            if (started.ExitCode == 0)
            {
                break;
            }

            if (attempt == 3)
            {
                var log = File.Exists(Path.Combine(_directory, "server.log")) ? await File.ReadAllTextAsync(Path.Combine(_directory, "server.log")) : "";
                started.EnsureSuccess("pg_ctl start: " + log);
            }
        }
    }

    private string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>Stops the server (an outage); its data stays, and <see cref="StartAsync"/> brings it back on the same port.</summary>
    public async Task StopAsync() =>
        (await RunAsPostgres(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "fast", "-w", "stop"], TimeSpan.FromSeconds(60))).EnsureSuccess("pg_ctl stop");

    public async Task StartAsync() => (await StartServerAsync()).EnsureSuccess("pg_ctl start");

    private Task<ProcessRunner.Output> StartServerAsync() => RunAsPostgres(Path.Combine(BinDirectory, "pg_ctl"),
        ["-D", DataDirectory, "-l", Path.Combine(_directory, "server.log"), "-w", "-t", "60",
         "-o", $"-p {Port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300", "start"],
        TimeSpan.FromSeconds(90));

    /// <summary>A connection string to a new, empty database.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    /// <summary>A new database prepared only by <c>sql/postgresql</c>.</summary>
    public async Task<string> CreateMigratedDatabaseAsync(string name)
    {
        var connectionString = await CreateDatabaseAsync(name);
        await SchemaMigrator.ApplyAsync(connectionString, Repository.SqlDirectory);
        return connectionString;
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres;Maximum Pool Size=40";

    public async Task DisposeAsync()
    {
        if (Port != 0)
        {
            NpgsqlConnection.ClearAllPools();
            await RunAsPostgres(Path.Combine(BinDirectory, "pg_ctl"), ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], TimeSpan.FromSeconds(60));
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static Task<ProcessRunner.Output> RunAsPostgres(string binary, IEnumerable<string> arguments, TimeSpan timeout) =>
        IsRoot
            ? ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", binary, .. arguments], timeout)
            : ProcessRunner.RunAsync(binary, arguments, timeout);

    /// <summary>initdb and pg_ctl from PATH, else the newest Debian install (tests/run.sh installs it when missing).</summary>
    private static string FindBinaries()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var pgCtl = Path.Combine(dir, "pg_ctl");
            if (File.Exists(pgCtl) && File.Exists(Path.Combine(dir, "initdb")))
            {
                return Path.GetDirectoryName(new FileInfo(pgCtl).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? pgCtl)!;
            }
        }

        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return debian ?? throw new InvalidOperationException("PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install -y postgresql (tests/run.sh does).");
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
