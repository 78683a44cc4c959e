using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Grains.Handout;

/// <summary>Registers the hand-out settings, and makes each connection's <see cref="HandoutPublisher"/>.</summary>
public static class HandoutHosting
{
    /// <summary><see cref="HandoutOptions"/>, bound and checked at start; the silos and the API both call it.</summary>
    public static IServiceCollection AddHandoutOptions(this IServiceCollection services)
    {
        services.AddOptions<HandoutOptions>().BindConfiguration(HandoutOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HandoutOptions>, HandoutOptionsValidator>());
        return services;
    }

    internal static HandoutPublisher Publisher(IServiceProvider services, string key, ConnectionOptions options, TimeProvider time, ILogger logger) => new(
        key,
        services.GetService<HandoutTable>() ?? new HandoutTable(),
        services.GetService<IOptions<HandoutOptions>>()?.Value ?? new HandoutOptions(),
        options,
        time,
        logger);
}
