using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Grains.Webhooks;

/// <summary>Registers webhook delivery on a silo: its options (checked at start), the sender and its own HttpClient.</summary>
public static class WebhookServices
{
    public static IServiceCollection AddWebhookDelivery(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>());
        services.TryAddSingleton<WebhookSender>();
        WebhookSender.AddHttpClient(services);
        return services;
    }
}
