using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// What kept the server side from running during a measured run, when its latency tail says it stood still: two probes
/// in this process, each every 10 ms — a dedicated thread that sleeps and measures how late it wakes (a GC's
/// suspension, or the CPU taken from the process), and a work item queued to the thread pool whose wait until it runs is
/// measured (requests queued behind other work) — the GC's pauses (and of a full collection in the run, whether it was
/// blocking or background), and the time the hypervisor took from each CPU (steal, from <c>/proc/stat</c>): from the
/// server's, or from the load generator's, which then sends less. Also what the runtime did meanwhile that a target
/// may pay for: each gen2 it started (its number, type and reason, from its own GC events, and its end), each start and
/// end of the background GC's thread, the methods the JIT compiled, and gen2's size and free space (what survived into
/// it, what died in it).
/// </summary>
internal static class Stalls
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(10);
    private static readonly Gen2Events Gen2 = new();
    private static long _maxLateTicks;
    private static long _maxQueuedTicks;

    // The probe starts with the first window, once per process (a static constructor runs once).
    static Stalls() => new Thread(Probe) { IsBackground = true, Name = "stall probe" }.Start();

    /// <summary>The worst of each probe since <see cref="Begin"/>, the GC pause, the full collections and the steal in that time.</summary>
    internal readonly record struct Window(double MaxLateMs, double MaxQueuedMs, double GcPausedMs, double ServerStealMs, double LoadStealMs, string FullCollections,
        long MethodsJitted, double JitMs, Gen2Size Gen2Before, Gen2Size Gen2After)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"woke late ≤ {MaxLateMs:F0} ms, thread pool queue ≤ {MaxQueuedMs:F0} ms, GC paused {GcPausedMs:F0} ms{FullCollections}, steal {ServerStealMs:F0} ms server / {LoadStealMs:F0} ms load CPU, " +
            $"{MethodsJitted} methods jitted ({JitMs:F0} ms), gen2 {Gen2After.Bytes / 1e6:F1} MB ({Signed(Gen2After.Bytes - Gen2Before.Bytes)} MB), " +
            $"of it free {Gen2After.FreeBytes / 1e6:F1} MB ({Signed(Gen2After.FreeBytes - Gen2Before.FreeBytes)} MB)");

        private static string Signed(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{(bytes >= 0 ? "+" : "")}{bytes / 1e6:F1}");
    }

    /// <summary>
    /// Gen2 after the last collection: its size and the free space in it (its fragmentation, what a compacting gen2 would
    /// give back). Growth between two windows is what was promoted into gen2 and stayed; free space growing is what died there.
    /// </summary>
    internal readonly record struct Gen2Size(long Bytes, long FreeBytes)
    {
        public static Gen2Size Now() => GC.GetGCMemoryInfo().GenerationInfo[2] is var gen2 ? new(gen2.SizeAfterBytes, gen2.FragmentationAfterBytes) : default;
    }

    /// <summary>Starts a new window (the probes run from the first); the returned function ends it.</summary>
    public static Func<Window> Begin()
    {
        Interlocked.Exchange(ref _maxLateTicks, 0);
        Interlocked.Exchange(ref _maxQueuedTicks, 0);
        var cpus = Machine.CpuTimes();
        var paused = GC.GetTotalPauseDuration();
        var (blocking, background) = (GC.GetGCMemoryInfo(GCKind.FullBlocking).Index, GC.GetGCMemoryInfo(GCKind.Background).Index);
        var (jitted, jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
        var gen2Seen = Gen2.Count;
        var gen2Before = Gen2Size.Now();
        double StealMs(Dictionary<int, (long Busy, long Total, long Steal)> now, int cpu) => (now.GetValueOrDefault(cpu).Steal - cpus.GetValueOrDefault(cpu).Steal) * 10.0;
        return () =>
        {
            var now = Machine.CpuTimes();
            return new Window(Ms(Interlocked.Read(ref _maxLateTicks)), Ms(Interlocked.Read(ref _maxQueuedTicks)),
                (GC.GetTotalPauseDuration() - paused).TotalMilliseconds, StealMs(now, Machine.ServerCore), StealMs(now, Machine.LoadCore),
                Full(GCKind.FullBlocking, blocking, "blocking") + Full(GCKind.Background, background, "background") + Gen2.Since(gen2Seen),
                System.Runtime.JitInfo.GetCompiledMethodCount() - jitted, (System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds,
                gen2Before, Gen2Size.Now());
        };
    }

    /// <summary>The last full collection of <paramref name="kind"/>, when it came after the one numbered <paramref name="since"/>: its pauses.</summary>
    private static string Full(GCKind kind, long since, string name)
    {
        var last = GC.GetGCMemoryInfo(kind);
        return last.Index > since
            ? string.Create(CultureInfo.InvariantCulture, $" (the last {name} gen2 paused {string.Join(" + ", last.PauseDurations.ToArray().Where(d => d > TimeSpan.Zero).Select(d => $"{d.TotalMilliseconds:F0} ms"))}{(last.Compacted ? ", compacting" : "")})")
            : "";
    }

    /// <summary>
    /// The runtime's own account of each gen2: its start (<c>GCStart</c>: its number, the collection's type and the
    /// reason the GC gives), its per-heap history (why gen2 was condemned, why it compacted), its global history (the
    /// mechanisms used) and its end; and the background GC's thread starting and ending (a gen2 that starts as a
    /// background one and then compacts, blocking, is one that found that thread stopped: see
    /// <c>BackgroundGcThread</c>). Heard in process; a few events per collection, the same for both targets.
    /// </summary>
    private sealed class Gen2Events : EventListener
    {
        private static readonly string[] Types = ["blocking", "background", "foreground"];

        // The GC's reason codes (GCStart's Reason field), by number.
        private static readonly string[] Reasons =
        [
            "small allocation", "induced", "low memory", "empty", "large allocation", "out of space (small objects)",
            "out of space (large objects)", "induced, not forced", "gc stress", "low memory (blocking)", "induced compacting",
            "low memory (host)", "provisional mode", "low memory (host, blocking)", "bgc tuning (small objects)",
            "bgc tuning (large objects)", "bgc stepping", "induced aggressive",
        ];

        // The runtime's gc_condemn_reason_condition bits (gcrecord.h), by bit number, and its global mechanisms.
        private static readonly string[] Conditions =
        [
            "induced", "expand", "high memory", "very high memory", "low ephemeral space", "low card efficiency",
            "high ephemeral fragmentation", "high gen2 fragmentation", "high gen2 fragmentation (ephemeral)",
            "high gen2 fragmentation (memory)", "high gen2 fragmentation (very high memory)", "gen1 at maximum", "before OOM",
            "gen2 too small", "induced, not forced", "before a background GC", "almost at maximum allocation",
            "avoid unproductive", "provisional mode induced", "provisional mode large allocation", "gen1 in provisional mode",
            "limit before OOM", "limit: large object fragmentation", "limit: large object reclaim", "servo initial",
            "servo gen count", "servo background", "servo postpone", "stress mix", "stress",
        ];

        private static readonly string[] Mechanisms = ["concurrent", "compacting", "promotion", "demotion", "card bundles", "elevated"];

        // Why a heap was compacted (gc_heap_compact_reason), by number.
        private static readonly string[] CompactReasons =
        [
            "low ephemeral space", "high fragmentation", "no gaps", "large objects forced", "last GC before OOM", "induced",
            "fragmented gen0", "high memory load", "high memory load and fragmentation", "very high memory load and fragmentation", "no-GC region",
        ];

        private static string Named(string[] names, uint bits) =>
            string.Join(", ", Enumerable.Range(0, 32).Where(b => (bits & (1u << b)) != 0).Select(b => b < names.Length ? names[b] : $"bit {b}"));

        /// <summary>
        /// Why the GC condemned gen2 on the heap (its per-heap history): the generation of its initial choice, the budget
        /// and the time tuning named (2 bits each in the first word), the conditions it found (bits of the second), and
        /// why it compacted (the highest bit below the top one, which says it did).
        /// </summary>
        private static string Condemned(uint generations, uint conditions, uint compact)
        {
            uint Generation(int field) => (generations >> (field * 2)) & 3;
            var reason = (compact & 0x80000000) != 0 && (compact & 0x7fffffff) is var bits and > 0 ? 31 - System.Numerics.BitOperations.LeadingZeroCount(bits) : -1;
            var compacted = reason < 0 ? "" : $"; compacted: {(reason < CompactReasons.Length ? CompactReasons[reason] : $"reason {reason}")}";
            return $"[initially gen{Generation(0)}, budget gen{Generation(2)}, time tuning gen{Generation(3)}; {(conditions == 0 ? "no condition" : Named(Conditions, conditions))}{compacted}]";
        }

        private readonly List<string> _heard = [];

        /// <summary>The depth of the collection the runtime started last: its per-heap history comes after.</summary>
        private uint _depth;

        public int Count
        {
            get
            {
                lock (_heard)
                {
                    return _heard.Count;
                }
            }
        }

        /// <summary>What was heard after the first <paramref name="seen"/> events, as text for the slice line.</summary>
        public string Since(int seen)
        {
            lock (_heard)
            {
                return _heard.Count > seen ? $"; gen2 events: {string.Join(", ", _heard.Skip(seen))}" : "";
            }
        }

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Informational, (EventKeywords)0x1); // GC
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.Payload is not { } payload || e.PayloadNames is not { } names)
            {
                return;
            }

            uint Field(string name) => names.IndexOf(name) is var i and >= 0 ? Convert.ToUInt32(payload[i], CultureInfo.InvariantCulture) : uint.MaxValue;
            string? text = null;
            if (e.EventName?.StartsWith("GCStart", StringComparison.Ordinal) == true && (_depth = Field("Depth")) == 2)
            {
                var (type, reason) = (Field("Type"), Field("Reason"));
                text = $"#{Field("Count")} {(type < Types.Length ? Types[type] : $"type {type}")} ({(reason < Reasons.Length ? Reasons[reason] : $"reason {reason}")})";
            }
            else if (e.EventName?.StartsWith("GCEnd", StringComparison.Ordinal) == true && Field("Depth") == 2)
            {
                text = $"#{Field("Count")} ended";
            }
            else if (e.EventName?.StartsWith("GCCreateConcurrentThread", StringComparison.Ordinal) == true)
            {
                text = "background GC thread created";
            }
            else if (e.EventName?.StartsWith("GCTerminateConcurrentThread", StringComparison.Ordinal) == true)
            {
                text = "background GC thread ended";
            }
            else if (e.EventName?.StartsWith("GCPerHeapHistory", StringComparison.Ordinal) == true && _depth == 2)
            {
                text = Condemned(Field("CondemnReasons0"), Field("CondemnReasons1"), Field("CompactMechanisms"));
            }
            else if (e.EventName?.StartsWith("GCGlobalHeapHistory", StringComparison.Ordinal) == true && Field("CondemnedGeneration") == 2)
            {
                text = $"[{Named(Mechanisms, Field("GlobalMechanisms"))}]";
            }

            if (text is not null)
            {
                lock (_heard)
                {
                    _heard.Add(text);
                }
            }
        }
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
}
