using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace ActorOAuth.Sandbox;

/// <summary>
/// Builds a local OAuth 2.0 authorization server (OpenIddict on an in-memory SQLite database) with
/// one registered confidential client and a consent page that signs in a fixed sandbox user.
/// </summary>
public static class SandboxServer
{
    /// <summary>The authorization endpoint; GET shows the consent page, POST approves or denies.</summary>
    public const string AuthorizationPath = "/connect/authorize";

    /// <summary>The token endpoint (authorization_code and refresh_token grants).</summary>
    public const string TokenPath = "/connect/token";

    /// <summary>The token revocation endpoint (RFC 7009).</summary>
    public const string RevocationPath = "/connect/revoke";

    /// <summary>The token introspection endpoint (RFC 7662).</summary>
    public const string IntrospectionPath = "/connect/introspect";

    /// <summary>
    /// Builds, but does not start, a sandbox server listening on <see cref="SandboxOptions.Urls"/>.
    /// Its database is created and its client registered before this returns; each call gets its own database.
    /// </summary>
    /// <param name="options">The sandbox settings.</param>
    /// <param name="args">
    /// Command-line style arguments, the only source of the server's host configuration
    /// (e.g. <c>--Logging:LogLevel:Default=Warning</c>); the hosting process's appsettings and environment are ignored.
    /// </param>
    public static WebApplication Build(SandboxOptions options, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(options);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args ?? [],
            ApplicationName = typeof(SandboxServer).Assembly.GetName().Name,
        });

        // Hosted inside another app, the sandbox must not pick up that app's appsettings.json or environment
        // (a "Kestrel" section there would make it bind the host's ports): only the arguments configure it.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
            // OpenIddict logs whole protocol messages at Information; keep codes and tokens out of the output.
            ["Logging:LogLevel:OpenIddict"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
        });
        builder.Configuration.AddCommandLine(args ?? []);

        builder.WebHost.UseUrls(options.Urls);

        var stats = new SandboxStats();
        builder.Services.AddSingleton(stats);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<SandboxDatabase>();

        builder.Services.AddDbContext<SandboxDbContext>((services, db) =>
        {
            db.UseSqlite(services.GetRequiredService<SandboxDatabase>().ConnectionString);
            db.UseOpenIddict();
        });

        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<SandboxDbContext>())
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris(AuthorizationPath)
                    .SetTokenEndpointUris(TokenPath)
                    .SetRevocationEndpointUris(RevocationPath)
                    .SetIntrospectionEndpointUris(IntrospectionPath);

                server.AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow();

                server.RegisterScopes([.. options.Scopes]);

                server.SetAccessTokenLifetime(options.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(options.RefreshTokenLifetime)
                    .SetRefreshTokenReuseLeeway(options.RefreshTokenReuseLeeway);

                server.AddEphemeralEncryptionKey()
                    .AddEphemeralSigningKey()
                    .DisableAccessTokenEncryption();

                server.AddEventHandler<ValidateTokenRequestContext>(handler => handler
                    .UseInlineHandler(context =>
                    {
                        stats.RecordTokenRequest(context.Request.GrantType);
                        return ValueTask.CompletedTask;
                    })
                    .SetOrder(int.MinValue));

                server.AddEventHandler<ValidateRevocationRequestContext>(handler => handler
                    .UseInlineHandler(_ =>
                    {
                        stats.RecordRevocationRequest();
                        return ValueTask.CompletedTask;
                    })
                    .SetOrder(int.MinValue));

                server.AddEventHandler<ValidateIntrospectionRequestContext>(handler => handler
                    .UseInlineHandler(_ =>
                    {
                        stats.RecordIntrospectionRequest();
                        return ValueTask.CompletedTask;
                    })
                    .SetOrder(int.MinValue));

                server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .DisableTransportSecurityRequirement();
            });

        var app = builder.Build();

        // Done off the caller's synchronization context: Build is synchronous and callers may be test runners.
        Task.Run(() => InitializeAsync(app.Services, options)).GetAwaiter().GetResult();

        app.MapMethods(AuthorizationPath, [HttpMethods.Get, HttpMethods.Post], ConsentEndpoint.HandleAsync);

        return app;
    }

    private static async Task InitializeAsync(IServiceProvider services, SandboxOptions options)
    {
        await using var scope = services.CreateAsyncScope();

        var db = scope.ServiceProvider.GetRequiredService<SandboxDbContext>();
        await db.Database.EnsureCreatedAsync();

        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var client = new OpenIddictApplicationDescriptor
        {
            ClientId = options.ClientId,
            ClientSecret = options.ClientSecret,
            ClientType = ClientTypes.Confidential,
            ConsentType = ConsentTypes.Explicit,
            DisplayName = options.ClientId,
            Permissions =
            {
                Permissions.Endpoints.Authorization,
                Permissions.Endpoints.Token,
                Permissions.Endpoints.Revocation,
                Permissions.Endpoints.Introspection,
                Permissions.GrantTypes.AuthorizationCode,
                Permissions.GrantTypes.RefreshToken,
                Permissions.ResponseTypes.Code,
            },
        };

        foreach (var uri in options.RedirectUris)
        {
            client.RedirectUris.Add(new Uri(uri, UriKind.Absolute));
        }

        foreach (var scopeName in options.Scopes)
        {
            client.Permissions.Add(Permissions.Prefixes.Scope + scopeName);
        }

        await applications.CreateAsync(client);
    }
}
