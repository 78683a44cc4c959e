using ActorOAuth.Sandbox;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api;

/// <summary>
/// Runs the sandbox OAuth 2.0 provider alongside the API (its own Kestrel port, same process) when
/// <c>ActorOAuth:Sandbox:Enabled</c> is true, as it is in Development.
/// </summary>
public sealed class SandboxHost(IOptions<ActorOAuthOptions> options, IConfiguration configuration) : IHostedService, IAsyncDisposable
{
    private WebApplication? _sandbox;

    public static void AddIfEnabled(WebApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue<bool>("ActorOAuth:Sandbox:Enabled"))
        {
            builder.Services.AddHostedService<SandboxHost>();
        }
    }

    /// <summary>Where the sandbox listens, once started.</summary>
    public string? Url { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var sandboxOptions = new SandboxOptions { RedirectUris = [options.Value.CallbackUrl] };
        configuration.GetSection("ActorOAuth:Sandbox").Bind(sandboxOptions);
        _sandbox = SandboxServer.Build(sandboxOptions);
        await _sandbox.StartAsync(cancellationToken);
        Url = sandboxOptions.Urls;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_sandbox is not null)
        {
            await _sandbox.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }
}
