using System.Diagnostics;
using System.Globalization;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// What kept the server side from running during a measured run, when its latency tail says it stood still: two probes
/// in this process, each every 10 ms — a dedicated thread that sleeps and measures how late it wakes (a GC's
/// suspension, or the CPU taken from the process), and a work item queued to the thread pool whose wait until it runs is
/// measured (requests queued behind other work) — the GC's pauses (and of a full collection in the run, whether it was
/// blocking or background), and the time the hypervisor took from each CPU (steal, from <c>/proc/stat</c>): from the
/// server's, or from the load generator's, which then sends less.
/// </summary>
internal static class Stalls
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);
    private static long _maxLateTicks;
    private static long _maxQueuedTicks;
    private static int _started;

    /// <summary>The worst of each probe since <see cref="Begin"/>, the GC pause, the full collections and the steal in that time.</summary>
    internal readonly record struct Window(double MaxLateMs, double MaxQueuedMs, double GcPausedMs, double ServerStealMs, double LoadStealMs, string FullCollections)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"woke late ≤ {MaxLateMs:F0} ms, thread pool queue ≤ {MaxQueuedMs:F0} ms, GC paused {GcPausedMs:F0} ms{FullCollections}, steal {ServerStealMs:F0} ms server / {LoadStealMs:F0} ms load CPU");
    }

    /// <summary>Starts the probes (once per process) and a new window; the returned function ends it.</summary>
    public static Func<Window> Begin()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            new Thread(Probe) { IsBackground = true, Name = "stall probe" }.Start();
        }

        Interlocked.Exchange(ref _maxLateTicks, 0);
        Interlocked.Exchange(ref _maxQueuedTicks, 0);
        var (server, load) = (StealJiffies(Machine.ServerCore), StealJiffies(Machine.LoadCore));
        var paused = GC.GetTotalPauseDuration();
        var (blocking, background) = (GC.GetGCMemoryInfo(GCKind.FullBlocking).Index, GC.GetGCMemoryInfo(GCKind.Background).Index);
        return () => new Window(Ms(Interlocked.Read(ref _maxLateTicks)), Ms(Interlocked.Read(ref _maxQueuedTicks)),
            (GC.GetTotalPauseDuration() - paused).TotalMilliseconds, (StealJiffies(Machine.ServerCore) - server) * 10.0, (StealJiffies(Machine.LoadCore) - load) * 10.0,
            Full(GCKind.FullBlocking, blocking, "blocking") + Full(GCKind.Background, background, "background"));
    }

    /// <summary>The last full collection of <paramref name="kind"/>, when it came after the one numbered <paramref name="since"/>: its pauses.</summary>
    private static string Full(GCKind kind, long since, string name)
    {
        var last = GC.GetGCMemoryInfo(kind);
        return last.Index > since
            ? string.Create(CultureInfo.InvariantCulture, $" (the last {name} gen2 paused {string.Join(" + ", last.PauseDurations.ToArray().Where(d => d > TimeSpan.Zero).Select(d => $"{d.TotalMilliseconds:F0} ms"))}{(last.Compacted ? ", compacting" : "")})")
            : "";
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static void Probe()
    {
        var period = (long)(Period.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var queued = Stopwatch.GetTimestamp();
            ThreadPool.UnsafeQueueUserWorkItem(static start => Atomic.Max(ref _maxQueuedTicks, Stopwatch.GetTimestamp() - start), queued, preferLocal: false);
            // The sleep is the probe, not a wait for time to pass: how much later than 10 ms it returns is what it measures.
            var slept = Stopwatch.GetTimestamp();
            Thread.Sleep(Period);
            Atomic.Max(ref _maxLateTicks, Stopwatch.GetTimestamp() - slept - period);
        }
    }

    /// <summary>A CPU's steal time (jiffies, 1/100 s), the eighth value of its <c>/proc/stat</c> line.</summary>
    private static long StealJiffies(int cpu)
    {
        var prefix = "cpu" + cpu.ToString(CultureInfo.InvariantCulture) + " ";
        foreach (var line in File.ReadLines("/proc/stat"))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return values.Length > 8 ? long.Parse(values[8], CultureInfo.InvariantCulture) : 0;
            }
        }

        return 0;
    }
}
