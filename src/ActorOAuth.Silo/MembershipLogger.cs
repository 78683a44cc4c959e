using ActorOAuth.Hosting;

namespace ActorOAuth.Silo;

/// <summary>Logs every change of a silo's status (joining, active, shutting down, dead) as this silo sees it.</summary>
internal sealed partial class MembershipLogger(IClusterMembershipService membership, ClusterHostOptions options, ILogger<MembershipLogger> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var known = new Dictionary<SiloAddress, SiloStatus>();
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                foreach (var member in snapshot.Members.Values)
                {
                    var before = known.GetValueOrDefault(member.SiloAddress, SiloStatus.None);
                    // Silos that died before this one started are history, not news.
                    if (before == SiloStatus.None && member.Status == SiloStatus.Dead)
                    {
                        known[member.SiloAddress] = member.Status;
                    }
                    else if (before != member.Status)
                    {
                        LogChange(logger, options.Region, member.Name ?? member.SiloAddress.ToString(), member.SiloAddress, before, member.Status, snapshot.Version.Value);
                        known[member.SiloAddress] = member.Status;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Membership ({Region}): silo {Name} ({Address}) {Before} -> {After} (version {Version})")]
    private static partial void LogChange(ILogger logger, string region, string name, SiloAddress address, SiloStatus before, SiloStatus after, long version);
}
