using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace ActorOAuth.Benchmarks;

/// <summary>
/// CPU pinning and what the machine is doing. Every measurement runs the server side (this process, the silo,
/// PostgreSQL) on <see cref="ServerCore"/> and every load generator (wrk, the Npgsql reader, the HTTP client, the
/// OAuth provider stand-in) on <see cref="LoadCore"/>, so the ratios compare like with like on a 2-core machine.
/// </summary>
internal static class Machine
{
    public const int LoadCore = 0;
    public const int ServerCore = 1;
    private const string PinnedVariable = "ACTOROAUTH_BENCH_PINNED";

    /// <summary>Whether load generators are started under <c>taskset -c 0</c>.</summary>
    public static bool Pinned => Environment.GetEnvironmentVariable(PinnedVariable) == "1";

    public static bool NeedsPinnedRestart(Options options)
    {
        if (options.Flag("no-pin") || Pinned)
        {
            return false;
        }

        if (Environment.ProcessorCount < 2)
        {
            Console.Error.WriteLine("warning: fewer than 2 CPUs; running unpinned");
            return false;
        }

        return true;
    }

    /// <summary>Runs this program again under <c>taskset -c 1</c>, so the runtime itself sees one CPU (GC heaps, thread pool).</summary>
    public static async Task<int> RestartPinnedAsync(string[] args)
    {
        var (file, selfArgs) = Self(args);
        var start = new ProcessStartInfo("taskset") { ArgumentList = { "-c", ServerCore.ToString(CultureInfo.InvariantCulture), file }, UseShellExecute = false };
        selfArgs.ForEach(start.ArgumentList.Add);
        start.Environment[PinnedVariable] = "1";
        using var child = Process.Start(start) ?? throw new InvalidOperationException("could not start taskset");
        // Ctrl-C reaches the child too (same process group), which stops by itself; SIGTERM is passed on.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            if (!child.HasExited)
            {
                Kill(child.Id, "TERM");
            }
        });
        await child.WaitForExitAsync();
        return child.ExitCode;
    }

    private static void Kill(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false });
        kill?.WaitForExit();
    }

    /// <summary>This program with other arguments: the apphost, or <c>dotnet</c> and the dll.</summary>
    public static (string File, List<string> Args) Self(IEnumerable<string> args)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        var list = new List<string>();
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            list.Add(typeof(Machine).Assembly.Location);
        }

        list.AddRange(args);
        return (path, list);
    }

    /// <summary>A start for <paramref name="command"/> on one core (when pinning), output redirected.</summary>
    public static ProcessStartInfo OnCore(int core, (string File, List<string> Args) command, bool redirect = false)
    {
        var start = Pinned
            ? new ProcessStartInfo("taskset") { ArgumentList = { "-c", core.ToString(CultureInfo.InvariantCulture), command.File } }
            : new ProcessStartInfo(command.File);
        foreach (var arg in command.Args)
        {
            start.ArgumentList.Add(arg);
        }

        start.UseShellExecute = false;
        start.RedirectStandardOutput = redirect;
        start.RedirectStandardError = false;
        return start;
    }

    /// <summary>Cumulative busy, total and steal jiffies (1/100 s) per CPU from /proc/stat (steal: the hypervisor ran another guest).</summary>
    public static Dictionary<int, (long Busy, long Total, long Steal)> CpuTimes()
    {
        var result = new Dictionary<int, (long, long, long)>();
        foreach (var line in File.ReadLines("/proc/stat"))
        {
            if (!line.StartsWith("cpu", StringComparison.Ordinal) || line.Length < 4 || !char.IsDigit(line[3]))
            {
                continue;
            }

            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var cpu = int.Parse(parts[0][3..], CultureInfo.InvariantCulture);
            var values = parts[1..].Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
            var idle = values[3] + (values.Length > 4 ? values[4] : 0);
            var total = values.Take(8).Sum();
            result[cpu] = (total - idle, total, values.Length > 7 ? values[7] : 0);
        }

        return result;
    }

    /// <summary>Busy share (0–100) of each CPU between two <see cref="CpuTimes"/> samples.</summary>
    public static Dictionary<int, double> Busy(Dictionary<int, (long Busy, long Total, long Steal)> before, Dictionary<int, (long Busy, long Total, long Steal)> after) =>
        after.ToDictionary(kv => kv.Key, kv =>
        {
            var b = before.GetValueOrDefault(kv.Key);
            var total = kv.Value.Total - b.Total;
            return total <= 0 ? 0 : 100.0 * (kv.Value.Busy - b.Busy) / total;
        });

    /// <summary>Processes of this run besides this one and its exited children (the provider, cluster processes).</summary>
    public static HashSet<int> OwnPids { get; } = [];

    /// <summary>
    /// CPU ticks (user + system, all CPUs) spent by processes that are not this run's, and the ticks the hypervisor
    /// took from this machine's CPUs (steal): everything the machine did minus this process, its reaped children (wrk,
    /// pg-load, connect-load), <see cref="OwnPids"/> and PostgreSQL's processes (user <c>postgres</c>). Steal counts as
    /// another's CPU because it is one: a neighbour's guest ran instead (up to a fifth of a core in 5 s, 2026-12-03).
    /// </summary>
    public static long ForeignTicks()
    {
        var total = 0L;
        foreach (var line in File.ReadLines("/proc/stat"))
        {
            if (line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // user, nice, system, irq, softirq, steal: without interrupt-time accounting a process's system time
                // includes the softirq work (loopback TCP) done on its behalf, which /proc/stat books as softirq.
                total = new[] { 1, 2, 3, 6, 7, 8 }.Sum(i => long.Parse(f[i], CultureInfo.InvariantCulture));
                break;
            }
        }

        var own = Ticks("self", withChildren: true);
        int[] pids;
        lock (OwnPids)
        {
            pids = [.. OwnPids];
        }

        own += pids.Sum(p => Ticks(p.ToString(CultureInfo.InvariantCulture), withChildren: true));
        var postgres = PostgresUid();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (postgres is not null && name.Length > 0 && char.IsDigit(name[0]) && Uid(name) == postgres)
            {
                own += Ticks(name, withChildren: true);
            }
        }

        return total - own;
    }

    private static long Ticks(string pid, bool withChildren)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After the state field (index 0 here): utime is field 14 of the line, index 11 here.
            var ticks = long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture);
            return withChildren ? ticks + long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture) : ticks;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    private static string? PostgresUid() =>
        File.ReadLines("/etc/passwd").Select(l => l.Split(':')).FirstOrDefault(f => f[0] == "postgres")?[2];

    private static string? Uid(string pid)
    {
        try
        {
            return File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?
                .Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>This process's resident set size, bytes.</summary>
    public static long Rss()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    /// <summary>1-minute load average, to tell whether the machine was otherwise idle.</summary>
    public static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    public static string Describe()
    {
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kb = long.Parse(memory.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var cpus = File.ReadLines("/proc/cpuinfo").Count(l => l.StartsWith("processor", StringComparison.Ordinal));
        return $"{cpus} CPUs ({model}), {kb / 1024 / 1024.0:F1} GiB, " +
            $".NET {Environment.Version}, load average {LoadAverage():F2}";
    }
}

/// <summary>Child processes this run started; all are ended (by their own id) when the run ends.</summary>
internal static class Children
{
    private static readonly List<Process> Running = [];

    public static Process Start(ProcessStartInfo start)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        lock (Running)
        {
            Running.Add(process);
        }

        return process;
    }

    public static void Forget(Process process)
    {
        lock (Running)
        {
            Running.Remove(process);
        }
    }

    public static async Task StopAllAsync()
    {
        Process[] all;
        lock (Running)
        {
            all = [.. Running];
            Running.Clear();
        }

        foreach (var process in all)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
            catch (InvalidOperationException)
            {
            }

            process.Dispose();
        }
    }

    /// <summary>Runs a command to completion and returns its standard output (standard error passes through).</summary>
    public static async Task<string> RunAsync(ProcessStartInfo start, CancellationToken cancellationToken)
    {
        start.RedirectStandardOutput = true;
        var process = Start(start);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            var text = await output;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{text}");
            }

            return text;
        }
        finally
        {
            Forget(process);
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }
    }
}
