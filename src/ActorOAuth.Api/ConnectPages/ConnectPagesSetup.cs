using ActorOAuth.Api.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ActorOAuth.Api.ConnectPages;

/// <summary>Registers the connect sessions, the connect page and the callback pages' templates.</summary>
public static class ConnectPagesSetup
{
    public static IServiceCollection AddConnectPages(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddAntiforgery(o =>
        {
            o.FormFieldName = "__antiforgery";
            o.Cookie.Name = "actoroauth-antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            // The pages send their own framing headers, per tenant.
            o.SuppressXFrameOptionsHeader = true;
        });
        // One application name for every API process, whatever directory it runs from, so they accept each other's tokens.
        services.AddDataProtection().SetApplicationName("ActorOAuth");
        services.AddOptions<KeyManagementOptions>().Configure<IOptions<ConnectPageOptions>, ILoggerFactory>((keys, pages, logs) =>
        {
            if (pages.Value.KeyDirectory is { Length: > 0 } directory)
            {
                keys.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(directory), logs);
            }
        });
        services.TryAddSingleton<IProviderDisplayNames, CatalogProviderNames>();
        services.AddOptions<ConnectPageOptions>().BindConfiguration(ConnectPageOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConnectPageOptions>, ConnectPageOptionsValidator>();
        services.AddSingleton<IValidateOptions<ActorOAuthOptions>, ConnectPageOptionsValidator>();
        services.Configure<OpenApiOptions>("v1", o => o.AddOperationTransformer<OpenApiOperations>());
        return services;
    }
}
