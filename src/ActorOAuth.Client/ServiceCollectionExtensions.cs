using System.Net.Http.Headers;
using ActorOAuth.Client;
using ActorOAuth.Client.Tokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

// In the namespace of IServiceCollection, as extension methods of the framework's builders usually are.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the ActorOAuth client and connection-token handlers.</summary>
public static class ActorOAuthClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IActorOAuthClient"/> on <see cref="IHttpClientFactory"/>. Returns the builder of its
    /// <see cref="HttpClient"/>, for handlers of your own (resilience, logging).
    /// </summary>
    /// <example><code>
    /// services.AddActorOAuthClient(o =>
    /// {
    ///     o.BaseAddress = new Uri("https://oauth.example.com");
    ///     o.ApiKey = configuration["ActorOAuth:ApiKey"];
    /// });
    /// </code></example>
    public static IHttpClientBuilder AddActorOAuthClient(this IServiceCollection services, Action<ActorOAuthClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<ActorOAuthClientOptions>().Configure(configure);
        return AddCore(services);
    }

    /// <summary>
    /// Registers <see cref="IActorOAuthClient"/> with settings from a configuration section (<c>BaseAddress</c>,
    /// <c>ApiKey</c>, <c>Timeout</c>), for example <c>configuration.GetSection("ActorOAuth")</c>.
    /// </summary>
    public static IHttpClientBuilder AddActorOAuthClient(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddOptions<ActorOAuthClientOptions>().Bind(section);
        return AddCore(services);
    }

    private static IHttpClientBuilder AddCore(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ConnectionTokenCache>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ActorOAuthClientOptions>, ActorOAuthClientOptionsValidator>());
        services.TryAddTransient<IActorOAuthClient>(provider =>
            new ActorOAuthClient(provider.GetRequiredService<IHttpClientFactory>().CreateClient(ActorOAuthClient.HttpClientName), provider.GetRequiredService<TimeProvider>()));
        return services.AddHttpClient(ActorOAuthClient.HttpClientName, (provider, http) =>
        {
            var options = provider.GetRequiredService<IOptions<ActorOAuthClientOptions>>().Value;
            // A base address without a trailing slash would drop its last segment from every relative path.
            http.BaseAddress = new Uri(options.BaseAddress!.AbsoluteUri.TrimEnd('/') + "/");
            http.Timeout = options.Timeout;
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
            http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        });
    }

    private sealed class ActorOAuthClientOptionsValidator : IValidateOptions<ActorOAuthClientOptions>
    {
        public ValidateOptionsResult Validate(string? name, ActorOAuthClientOptions options)
        {
            var failures = new List<string>();
            if (options.BaseAddress is not { IsAbsoluteUri: true } address || address.Scheme is not ("https" or "http"))
            {
                failures.Add("ActorOAuthClientOptions.BaseAddress must be the API's absolute http(s) address, e.g. https://oauth.example.com.");
            }

            if (string.IsNullOrWhiteSpace(options.ApiKey))
            {
                failures.Add("ActorOAuthClientOptions.ApiKey is required: the tenant's API key.");
            }

            if (options.Timeout <= TimeSpan.Zero && options.Timeout != Timeout.InfiniteTimeSpan)
            {
                failures.Add("ActorOAuthClientOptions.Timeout must be positive.");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}

/// <summary>Adds connection-token handling to any <see cref="HttpClient"/> a vendor's integration code uses.</summary>
public static class ConnectionTokenHttpClientBuilderExtensions
{
    /// <summary>
    /// Every request of this client carries the access token of <paramref name="connectionId"/>, fetched from ActorOAuth
    /// (register it with <c>AddActorOAuthClient</c>) and reused until shortly before it expires. A 401 from the third
    /// party is reported to ActorOAuth (code <c>unauthorized</c>), a refreshed token fetched and the request sent once
    /// more; a connection that cannot give a token makes the request throw <see cref="ActorOAuthProblemException"/>.
    /// </summary>
    /// <example><code>
    /// services.AddHttpClient("slack", c => c.BaseAddress = new Uri("https://slack.com/api/"))
    ///     .AddConnectionToken("acme-42.slack");
    /// </code></example>
    public static IHttpClientBuilder AddConnectionToken(this IHttpClientBuilder builder, string connectionId, Action<ConnectionTokenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ConnectionTokenCache>();
        return builder.AddHttpMessageHandler(provider => new ConnectionTokenHandler(provider.GetRequiredService<ConnectionTokenCache>(), connectionId));
    }
}
