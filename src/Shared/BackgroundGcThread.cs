using System.Runtime;

namespace ActorOAuth.Hosting;

/// <summary>
/// Keeps the workstation GC's background-collection thread running, so that a gen2 stays a background collection.
/// </summary>
/// <remarks>
/// <para>
/// With workstation GC (what .NET picks for a process limited to one CPU), the runtime ends that thread after 20 s
/// without a background collection and starts it again for the next one. On .NET 10 the GC then checks whether the new
/// thread has started running yet, and when it has not (always, on one CPU: the GC's own thread has the CPU), it does a
/// blocking, compacting gen2 instead (dotnet/runtime#13238; fixed by dotnet/runtime#119383 on the runtime's main branch
/// in September 2025, for .NET 11: 10.0.12 still does it). That stops every request for as long as compacting the
/// whole heap takes (about 100 ms for the 10,000 connections of the benchmark, in proportion to the heap beyond). The
/// GC's own gen2s come about 100 s apart, so nearly each one finds the thread stopped.
/// </para>
/// <para>
/// This asks for a background gen2 every <see cref="Interval"/> (less than the thread's 20 s), so the thread never
/// stops. Each costs one background mark of the heap (a few milliseconds of pause, its marking on the same CPU as
/// the requests); it compacts nothing. Off with <c>ActorOAuth:Gc:KeepBackgroundThread=false</c>, and not started
/// where the defect does not apply (the runtime's fix is to workstation GC's check): server GC, background GC turned
/// off, or .NET 11 and later.
/// </para>
/// </remarks>
public sealed class BackgroundGcThread : BackgroundService
{
    public const string Setting = "ActorOAuth:Gc:KeepBackgroundThread";

    /// <summary>How often a background gen2 is asked for: below the 20 s after which the runtime ends an idle thread.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    private readonly PeriodicTimer _timer;
    private readonly Action _collect;

    public BackgroundGcThread(TimeProvider time)
        : this(time, static () => GC.Collect(2, GCCollectionMode.Forced, blocking: false, compacting: false))
    {
    }

    internal BackgroundGcThread(TimeProvider time, Action collect)
    {
        // Counted from here, not from when ExecuteAsync happens to run (the host starts it on the thread pool).
        _timer = new PeriodicTimer(Interval, time);
        _collect = collect;
    }

    /// <summary>Whether this runtime, as configured, has the defect: workstation GC with background GC on, before .NET 11.</summary>
    public static bool Needed(bool serverGc, GCLatencyMode latencyMode, Version runtime) =>
        !serverGc && latencyMode is GCLatencyMode.Interactive or GCLatencyMode.SustainedLowLatency && runtime.Major < 11;

    /// <summary>Runs the keeper in this host unless it is turned off or the runtime does not need it.</summary>
    public static void Add(IHostApplicationBuilder builder)
    {
        if (builder.Configuration.GetValue(Setting, true) && Needed(GCSettings.IsServerGC, GCSettings.LatencyMode, Environment.Version))
        {
            // Real time, even where the host's TimeProvider is simulated: the runtime's 20 s are.
            builder.Services.AddHostedService(_ => new BackgroundGcThread(TimeProvider.System));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _timer.WaitForNextTickAsync(stoppingToken))
            {
                _collect();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    public override void Dispose()
    {
        _timer.Dispose();
        base.Dispose();
    }
}
