using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api;

/// <summary>
/// Runs the sandbox OAuth 2.0 provider beside the API when <c>ActorOAuth:Sandbox:Enabled</c> is true, as it is in
/// Development: the separate <c>ActorOAuth.Sandbox</c> program as a child process (the API references none of its
/// assemblies, so a published API carries no OpenIddict, EF Core or SQLite), started before the API listens and
/// stopped with it; it also exits by itself when the API's process is gone. It listens on
/// <c>ActorOAuth:Sandbox:Urls</c>, by default the API's port + 100 on localhost (5100 next to 5000) or a free port when
/// that one is taken, and the catalog entry <c>sandbox</c> and the sandbox's redirect URI follow it. Other
/// <c>ActorOAuth:Sandbox:*</c> settings (<c>AccessTokenLifetime</c>, <c>ClientSecret</c>, …) are passed on to it.
/// </summary>
public sealed partial class SandboxHost(IOptions<ActorOAuthOptions> options, IConfiguration configuration, ILogger<SandboxHost> logger)
    : IHostedService, IAsyncDisposable
{
    public const string Section = "ActorOAuth:Sandbox";

    /// <summary>The build records where the sandbox program it built is; <c>ActorOAuth:Sandbox:Path</c> overrides it.</summary>
    public const string PathMetadata = "ActorOAuth.SandboxPath";

    private static readonly string[] OwnKeys = ["Enabled", "Urls", "Path"];

    /// <summary>How long the sandbox may take to answer after it was started (a couple of seconds on an idle machine).</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private Process? _process;

    public static void AddIfEnabled(WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(Section);
        if (!section.GetValue<bool>("Enabled"))
        {
            return;
        }

        var url = section["Urls"] ?? $"http://localhost:{FreePort.PreferOr(ApiPort(builder.Configuration) is { } port ? port + 100 : 0)}";
        var settings = new Dictionary<string, string?> { [$"{Section}:Urls"] = url };
        // The catalog entry follows the sandbox wherever it listens; URLs an operator configured stay.
        foreach (var (field, value) in new[]
        {
            ("Name", "Sandbox"), ("AuthorizeUrl", url.TrimEnd('/') + "/connect/authorize"), ("TokenUrl", url.TrimEnd('/') + "/connect/token"),
            ("RevokeUrl", url.TrimEnd('/') + "/connect/revoke"), ("Issuer", url.TrimEnd('/') + "/"),
        })
        {
            if (string.IsNullOrEmpty(builder.Configuration[$"ActorOAuth:Providers:sandbox:{field}"]))
            {
                settings[$"ActorOAuth:Providers:sandbox:{field}"] = value;
            }
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddHostedService<SandboxHost>();
    }

    /// <summary>The first http(s) port the API listens on (<c>urls</c>, then <c>http_ports</c>, then Kestrel's default 5000), or null when dynamic.</summary>
    public static int? ApiPort(IConfiguration configuration)
    {
        var first = configuration["urls"]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (first is not null)
        {
            var normalized = first.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal);
            return Uri.TryCreate(normalized, UriKind.Absolute, out var uri) && uri.Port > 0 ? uri.Port : null;
        }

        var httpPort = configuration["http_ports"]?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return httpPort is not null ? int.TryParse(httpPort, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port > 0 ? port : null : 5000;
    }

    /// <summary>Where the sandbox listens.</summary>
    public string Url => configuration[$"{Section}:Urls"]!;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var program = configuration[$"{Section}:Path"]
            ?? typeof(SandboxHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == PathMetadata)?.Value;
        if (string.IsNullOrEmpty(program) || !File.Exists(program))
        {
            throw new InvalidOperationException(
                $"The sandbox provider program was not found ('{program}'): build src/ActorOAuth.Sandbox (dotnet run --project src/ActorOAuth.Api builds it), " +
                $"point {Section}:Path at ActorOAuth.Sandbox.dll, or set {Section}:Enabled=false.");
        }

        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(program);
        start.ArgumentList.Add($"--urls={Url}");
        start.ArgumentList.Add($"--ParentProcessId={Environment.ProcessId}");
        start.ArgumentList.Add($"--Sandbox:RedirectUris:0={options.Value.CallbackUrl}");
        foreach (var setting in configuration.GetSection(Section).AsEnumerable(makePathsRelative: true))
        {
            if (setting.Value is not null && !OwnKeys.Contains(setting.Key.Split(':')[0], StringComparer.OrdinalIgnoreCase))
            {
                start.ArgumentList.Add($"--Sandbox:{setting.Key}={setting.Value}");
            }
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("The sandbox provider did not start.");
        var output = new Queue<string>();
        void Forward(string? line, LogLevel level)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.Enqueue(line);
                if (output.Count > 40)
                {
                    output.Dequeue();
                }
            }

            LogSandboxLine(logger, level, line);
        }

        _process.OutputDataReceived += (_, e) => Forward(e.Data, LogLevel.Information);
        _process.ErrorDataReceived += (_, e) => Forward(e.Data, LogLevel.Warning);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The sandbox provider exited with code {_process.ExitCode} on {Url}:{Environment.NewLine}{string.Join(Environment.NewLine, output)}");
            }

            try
            {
                using var answer = await http.GetAsync(Url.TrimEnd('/') + "/.well-known/openid-configuration", cancellationToken);
                if (answer.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"The sandbox provider did not answer on {Url} within {StartTimeout.TotalSeconds:0} seconds.");
            }

            await Task.Delay(100, cancellationToken);
        }

        LogStarted(logger, Url, _process.Id);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_process is { HasExited: false } process)
        {
            // Nothing of the sandbox outlives it (its database is in memory), so it need not stop gracefully.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _process?.Dispose();
    }

    /// <summary>The <c>dotnet</c> running this process (or the SDK's), so the sandbox runs on the same runtime.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } sdkHost && File.Exists(sdkHost))
        {
            return sdkHost;
        }

        return Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sandbox OAuth 2.0 provider started on {Url} (process {ProcessId})")]
    private static partial void LogStarted(ILogger logger, string url, int processId);

    [LoggerMessage(Message = "sandbox: {Line}")]
    private static partial void LogSandboxLine(ILogger logger, LogLevel level, string line);
}
