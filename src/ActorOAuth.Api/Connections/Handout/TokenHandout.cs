using ActorOAuth.Abstractions;
using ActorOAuth.Grains.Handout;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ActorOAuth.Api.Connections.Handout;

/// <summary>
/// How <c>POST /api/connections/{id}/token</c> hands out a token: from memory, without a grain call, while the
/// connection is used, valid and not due (<see cref="TryServe"/>); otherwise from the connection, which refreshes,
/// marks it used or logs <c>used</c> first (<see cref="FetchAsync"/>).
/// </summary>
public abstract class TokenHandout(TokenRenderer renderer)
{
    /// <summary>The response for a fetch that may be served from memory now, or null (then <see cref="FetchAsync"/>).</summary>
    public abstract IResult? TryServe(string tenant, string connectionId);

    /// <summary>A fetch that asks the connection.</summary>
    public abstract Task<IResult> FetchAsync(IConnectionGrain connection, string tenant, string connectionId, bool forceRefresh);

    protected TokenRenderer Renderer => renderer;
}

/// <summary><c>ActorOAuth:Handout:Enabled=false</c>: every fetch asks its connection.</summary>
internal sealed class DirectHandout(TokenRenderer renderer) : TokenHandout(renderer)
{
    public override IResult? TryServe(string tenant, string connectionId) => null;

    public override async Task<IResult> FetchAsync(IConnectionGrain connection, string tenant, string connectionId, bool forceRefresh) =>
        Renderer.Render(await connection.GetAccessToken(forceRefresh));
}

/// <summary>
/// The embedded default: the co-hosted silo's <see cref="HandoutTable"/>, which each connection keeps itself (it
/// withdraws its entry before any change runs, so a change that has answered is never undone by the table). A fetch
/// served from it is counted in the entry; the connection collects it for <c>lastUsedAt</c>. The fetch that finds the
/// connection's repeated <c>used</c> entry due tells the connection (a one-way call) and is answered without waiting.
/// </summary>
internal sealed class LocalHandout(HandoutTable table, IGrainFactory grains, TimeProvider time, TokenRenderer renderer) : TokenHandout(renderer)
{
    public override IResult? TryServe(string tenant, string connectionId)
    {
        if (table.Find(tenant, connectionId) is not { } entry || !entry.TryServe(time.GetUtcNow(), out var usedDue))
        {
            return null;
        }

        if (usedDue)
        {
            _ = grains.GetGrain<IHandoutTurn>(ConnectionKeys.For(tenant, connectionId)).UsedFromTable();
        }

        return entry.Rendered as IResult ?? (IResult)(entry.Rendered = Renderer.Render(entry.Token));
    }

    public override async Task<IResult> FetchAsync(IConnectionGrain connection, string tenant, string connectionId, bool forceRefresh) =>
        Renderer.Render(await connection.GetAccessToken(forceRefresh));
}

/// <summary>Registers the API's <see cref="TokenHandout"/> for its hosting mode.</summary>
public static class TokenHandoutHosting
{
    public static void AddTokenHandout(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddHandoutOptions();
        services.AddSingleton<TokenRenderer>();
        var enabled = builder.Configuration.GetValue($"{HandoutOptions.Section}:{nameof(HandoutOptions.Enabled)}", true);
        if (!enabled)
        {
            services.AddSingleton<TokenHandout, DirectHandout>();
        }
        else if (OrleansHosting.Mode(builder.Configuration) == HostingMode.Embedded)
        {
            // The co-hosted silo's connections publish into the table this process reads.
            services.Replace(ServiceDescriptor.Singleton(new HandoutTable(localReads: true)));
            services.AddSingleton<TokenHandout>(sp => new LocalHandout(sp.GetRequiredService<HandoutTable>(), sp.GetRequiredService<IGrainFactory>(),
                sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<TokenRenderer>()));
        }
        else
        {
            services.AddSingleton<LeasedHandout>();
            services.AddSingleton<TokenHandout>(sp => sp.GetRequiredService<LeasedHandout>());
        }
    }
}
