using System.Text.Json;
using System.Text.Json.Serialization;
using ActorOAuth.Api.Callback;
using ActorOAuth.Api.ConnectPages;
using ActorOAuth.Api.Connections;
using ActorOAuth.Api.Connections.Handout;
using ActorOAuth.Api.Infrastructure;
using ActorOAuth.Api.Integrations;
using ActorOAuth.Api.Providers;
using ActorOAuth.Api.Webhooks;
using ActorOAuth.Grains;
using ActorOAuth.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api;

/// <summary>Builds the ActorOAuth web application: the thin API, the callback and, in the embedded default, one co-hosted silo.</summary>
public static class ActorOAuthApp
{
    /// <summary>The largest request body accepted, in bytes (larger: 413).</summary>
    public const int MaxRequestBodyBytes = 256 * 1024;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddOptions<ActorOAuthOptions>().BindConfiguration(ActorOAuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ActorOAuthOptions>, ActorOAuthOptionsValidator>();

        OrleansHosting.Configure(builder);
        builder.AddTokenHandout();
        var telemetryHost = OrleansHosting.Mode(builder.Configuration) == HostingMode.Cluster ? TelemetryHost.ClusterApi : TelemetryHost.EmbeddedApi;
        TelemetryHosting.Add(builder, "actoroauth-api", telemetryHost);
        BackgroundGcThread.Add(builder);
        builder.Services.AddProviderUrlPolicy();
        SandboxHost.AddIfEnabled(builder);

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemMapping.AddCode);
        builder.Services.AddOptions<ConnectionOptions>().BindConfiguration(ConnectionOptions.Section);
        builder.Services.AddExceptionHandler<ProblemMapping>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddSingleton<ApiKeyRing>();
        builder.Services.AddSingleton<ProviderDirectory>();
        builder.Services.AddActorOAuthRateLimits();
        // Every request body this API takes is a small JSON document.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<OpenApiSecurity>());
        builder.Services.AddConnectPages();

        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseActorOAuthForwardedHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapTelemetry(telemetryHost);
        app.MapConnections();
        app.MapIntegrations();
        app.MapProviders();
        app.MapWebhooks();
        app.MapCallback();
        app.MapConnectPages();
        app.MapApiReference();
        app.MapHealth();
        app.MapGet("/", () => Results.Redirect("/openapi/v1.json")).ExcludeFromDescription();
        return app;
    }

    /// <summary>camelCase, enums as camelCase strings, nulls left out, unknown and duplicate properties refused.</summary>
    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
    }
}
