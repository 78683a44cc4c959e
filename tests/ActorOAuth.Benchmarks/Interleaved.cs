namespace ActorOAuth.Benchmarks;

/// <summary>
/// A run's latency distribution as the load generator reports it: the latency (µs) at each percent of a fixed grid,
/// and how many requests it covers. Several runs' distributions merge into the one of all their requests.
/// </summary>
internal sealed record LatencyQuantiles(long Count, (double Percent, double Us)[] Points)
{
    /// <summary>The share of this run's requests that took at most <paramref name="us"/> (from the grid, rounded down).</summary>
    private double ShareAtMost(double us)
    {
        // The last grid point at or below us (the latencies rise with the percent).
        int low = 0, high = Points.Length;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (Points[middle].Us <= us)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low == 0 ? 0 : Points[low - 1].Percent / 100;
    }

    /// <summary>
    /// The latency at <paramref name="percent"/> of all requests of <paramref name="runs"/>: the lowest latency of
    /// any run's grid at which the runs' shares, weighted by their request counts, reach it.
    /// </summary>
    public static double Merged(IReadOnlyList<LatencyQuantiles> runs, double percent)
    {
        var total = runs.Sum(r => (double)r.Count);
        var wanted = percent / 100 * total - 1e-6 * total;
        foreach (var us in runs.SelectMany(r => r.Points.Select(p => p.Us)).Distinct().Order())
        {
            if (runs.Sum(r => r.Count * r.ShareAtMost(us)) >= wanted)
            {
                return us;
            }
        }

        return runs.Max(r => r.Points[^1].Us);
    }
}

/// <summary>
/// <c>token-fetch --slices N</c>: each target's measured time split into N slices that alternate with the other
/// target's (A B B A A B …), each after settle / N seconds (at least one) of the same load, unmeasured. The machine's
/// speed drifts within a minute (the bare endpoint alone measured 16,832 and 36,052 req/s in consecutive 25 s runs):
/// slices put both targets under the same drift (the control's spread halved, 2026-12-03). The slices of a target add
/// up to one measurement: requests and time summed, latency percentiles from the merged distribution, CPU and GC summed.
/// One slice is the plain round: one run per target, back to back.
/// </summary>
internal static class Interleaved
{
    /// <summary>Two targets in alternating slices, <paramref name="measureA"/>'s first when <paramref name="aStarts"/>.</summary>
    public static async Task<(Measured A, Measured B)> MeasureAsync(int slices, bool aStarts, Func<Task<Measured>> measureA, Func<Task<Measured>> measureB)
    {
        var a = new List<Measured>(slices);
        var b = new List<Measured>(slices);
        for (var slice = 0; slice < slices; slice++)
        {
            if ((slice % 2 == 0) == aStarts)
            {
                a.Add(await measureA());
                b.Add(await measureB());
            }
            else
            {
                b.Add(await measureB());
                a.Add(await measureA());
            }
        }

        return (Combine(a), Combine(b));
    }

    /// <summary>One measurement of all <paramref name="slices"/> (each a run of the same target).</summary>
    public static Measured Combine(IReadOnlyList<Measured> slices)
    {
        if (slices.Count == 1)
        {
            return slices[0];
        }

        if (slices.Any(s => s.Load.Quantiles is null))
        {
            return Measured.None; // a target left out (--targets)
        }

        var requests = slices.Sum(s => s.Load.Requests);
        var seconds = slices.Sum(s => s.Load.Seconds);
        var quantiles = slices.Select(s => s.Load.Quantiles!).ToList();
        var load = new LoadResult(requests, seconds, requests / seconds,
            LatencyQuantiles.Merged(quantiles, 50), LatencyQuantiles.Merged(quantiles, 99), LatencyQuantiles.Merged(quantiles, 99.9),
            slices.Max(s => s.Load.MaxUs), slices.Sum(s => s.Load.Errors));
        double ByTime(Func<Measured, double> value) => slices.Sum(s => value(s) * s.Load.Seconds) / seconds;
        double ByRequest(Func<Measured, double> value) => slices.Sum(s => value(s) * s.Load.Requests) / requests;
        return new Measured(load, ByTime(s => s.ServerCpu), ByTime(s => s.LoadCpu), ByRequest(s => s.AllocatedPerRequest), ByTime(s => s.ForeignCpu),
            ByRequest(s => s.CpuPerRequestUs), slices.Sum(s => s.Gen0Collections), ByTime(s => s.GcPausePercent),
            slices.Sum(s => s.Gen1Collections), slices.Sum(s => s.Gen2Collections));
    }
}
