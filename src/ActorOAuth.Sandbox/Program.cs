using ActorOAuth.Sandbox;

var configuration = new ConfigurationBuilder()
    .SetBasePath(AppContext.BaseDirectory)
    .AddJsonFile("appsettings.json", optional: true)
    .AddEnvironmentVariables()
    .AddCommandLine(args)
    .Build();

var section = configuration.GetSection("Sandbox");
var options = new SandboxOptions();

// The binder appends to non-empty lists, so configured lists replace the defaults instead.
if (section.GetSection(nameof(SandboxOptions.RedirectUris)).Exists())
{
    options.RedirectUris = [];
}

if (section.GetSection(nameof(SandboxOptions.Scopes)).Exists())
{
    options.Scopes = [];
}

section.Bind(options);
options.Urls = configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? options.Urls;

var app = SandboxServer.Build(options, args);

// Started by the API in Development (SandboxHost): leave when that process is gone, however it ended (also when it
// ended while this one was still starting).
if (configuration.GetValue<int?>("ParentProcessId") is { } parentId)
{
    app.Lifetime.ApplicationStarted.Register(() => _ = Task.Run(async () =>
    {
        while (IsRunning(parentId))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        app.Lifetime.StopApplication();
    }));
}

await app.RunAsync();

static bool IsRunning(int processId)
{
    try
    {
        using var process = System.Diagnostics.Process.GetProcessById(processId);
        return !process.HasExited;
    }
    catch (ArgumentException)
    {
        return false;
    }
}
