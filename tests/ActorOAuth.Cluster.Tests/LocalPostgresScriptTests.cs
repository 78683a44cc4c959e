using System.Text.RegularExpressions;
using Npgsql;

namespace ActorOAuth.Cluster.Tests;

/// <summary>
/// <c>deploy/local/postgres.sh</c>: <c>stop</c> keeps the data, <c>restart</c> and <c>start</c> bring the same database
/// back on the same port, and only <c>down.sh</c> deletes it.
/// </summary>
public sealed partial class LocalPostgresScriptTests
{
    [Fact]
    public async Task Stop_keeps_the_data_restart_and_start_bring_it_back_on_the_same_port_and_down_deletes_it()
    {
        var state = Directory.CreateTempSubdirectory("actoroauth-local-pg-test-").FullName;
        Directory.Delete(state);
        var environment = new Dictionary<string, string> { ["ACTOROAUTH_LOCAL_DIR"] = state, ["CONFIGURATION"] = Repository.Configuration };
        Task<ProcessRunner.Output> Script(string script, params string[] arguments) =>
            ProcessRunner.RunAsync("bash", [$"deploy/local/{script}", .. arguments], TimeSpan.FromMinutes(2), environment);
        string? dataDirectory = null;
        try
        {
            (await Script("postgres.sh", "start")).EnsureSuccess("postgres.sh start");
            var settings = ReadEnv(Path.Combine(state, "env"));
            dataDirectory = settings["PG_DIR"];
            var port = settings["PG_PORT"];
            var database = new NpgsqlConnectionStringBuilder(settings["CONNECTION_STRING"]) { Database = "postgres", Pooling = false }.ConnectionString;
            await ExecuteAsync(database, "CREATE TABLE kept (value text); INSERT INTO kept VALUES ('still here')");

            (await Script("postgres.sh", "stop")).EnsureSuccess("postgres.sh stop");
            Assert.True(Directory.Exists(Path.Combine(dataDirectory, "data")), "stop deleted the data directory");
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecuteAsync(database, "SELECT 1"));

            (await Script("postgres.sh", "restart")).EnsureSuccess("postgres.sh restart");
            Assert.Equal(port, ReadEnv(Path.Combine(state, "env"))["PG_PORT"]);
            Assert.Equal("still here", await ExecuteAsync(database, "SELECT value FROM kept"));

            // restart of a running server, then start of a stopped one: the same data on the same port each time.
            (await Script("postgres.sh", "restart")).EnsureSuccess("postgres.sh restart (running)");
            Assert.Equal("still here", await ExecuteAsync(database, "SELECT value FROM kept"));
            (await Script("postgres.sh", "stop")).EnsureSuccess("postgres.sh stop");
            (await Script("postgres.sh", "start")).EnsureSuccess("postgres.sh start (stopped)");
            Assert.Equal(port, ReadEnv(Path.Combine(state, "env"))["PG_PORT"]);
            Assert.Equal(dataDirectory, ReadEnv(Path.Combine(state, "env"))["PG_DIR"]);
            Assert.Equal("still here", await ExecuteAsync(database, "SELECT value FROM kept"));
        }
        finally
        {
            var down = await Script("down.sh");
            Assert.True(down.ExitCode == 0, down.StandardError);
            Assert.False(Directory.Exists(state), "down.sh left the state directory");
            if (dataDirectory is not null)
            {
                Assert.False(Directory.Exists(dataDirectory), "down.sh left PostgreSQL's data directory");
            }
        }
    }

    [Fact]
    public async Task The_local_scripts_parse()
    {
        foreach (var script in Directory.GetFiles(Path.Combine(Repository.Root, "deploy", "local"), "*.sh"))
        {
            var check = await ProcessRunner.RunAsync("bash", ["-n", script], TimeSpan.FromSeconds(30));
            Assert.True(check.ExitCode == 0, $"{script}: {check.StandardError}");
        }
    }

    private static async Task<string?> ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (await command.ExecuteScalarAsync())?.ToString();
    }

    /// <summary>Reads the KEY=value lines deploy/local writes (values quoted with bash printf %q).</summary>
    private static Dictionary<string, string> ReadEnv(string path) =>
        File.ReadAllLines(path).Where(l => l.Contains('='))
            .ToDictionary(l => l[..l.IndexOf('=')], l => Unquote().Replace(l[(l.IndexOf('=') + 1)..], "$1"));

    [GeneratedRegex(@"\\(.)")]
    private static partial Regex Unquote();
}
