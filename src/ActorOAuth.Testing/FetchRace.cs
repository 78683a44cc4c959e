using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace ActorOAuth.Testing;

/// <summary>
/// Token fetches in closed loops on several API clients, raced against a change: each fetch recorded with the moment its
/// request was sent, the change with the moment its answer arrived, so a test can tell what was sent after it answered.
/// </summary>
public static class FetchRace
{
    /// <summary>One fetch: when it was sent (<see cref="Stopwatch"/> timestamp), its status and the token it carried.</summary>
    public sealed record Fetch(long SentAt, HttpStatusCode Status, string? AccessToken, int Client);

    /// <summary>
    /// Runs <paramref name="loopsPerClient"/> fetch loops on each client for connection <paramref name="id"/>; once
    /// <paramref name="before"/> fetches succeeded, runs <paramref name="change"/>, then keeps fetching until every loop
    /// has sent <paramref name="after"/> more. Returns the fetches and the timestamp at which the change answered.
    /// </summary>
    public static async Task<(List<Fetch> Fetches, long AnsweredAt)> RunAsync(
        IReadOnlyList<HttpClient> clients, string id, Func<Task> change, int loopsPerClient = 2, int before = 40, int after = 25)
    {
        var fetches = new List<Fetch>();
        var answeredAt = long.MaxValue;
        var succeeded = 0;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var loops = clients.SelectMany((client, i) => Enumerable.Range(0, loopsPerClient).Select(_ => Task.Run(async () =>
        {
            var sentAfter = 0;
            while (sentAfter < after && !stop.IsCancellationRequested)
            {
                var sent = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync($"/api/connections/{id}/token", null, stop.Token);
                string? token = null;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(stop.Token));
                    token = body.RootElement.GetProperty("accessToken").GetString();
                    Interlocked.Increment(ref succeeded);
                }

                lock (fetches)
                {
                    fetches.Add(new Fetch(sent, response.StatusCode, token, i));
                }

                if (sent > Volatile.Read(ref answeredAt))
                {
                    sentAfter++;
                }
            }
        }))).ToList();

        var waiting = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref succeeded) < before && Stopwatch.GetElapsedTime(waiting) < TimeSpan.FromSeconds(60) && !loops.Any(l => l.IsFaulted))
        {
            await Task.Delay(10);
        }

        if (Volatile.Read(ref succeeded) < before)
        {
            await stop.CancelAsync();
            throw new InvalidOperationException($"only {succeeded} fetches succeeded before the change");
        }

        await change();
        Volatile.Write(ref answeredAt, Stopwatch.GetTimestamp());
        await Task.WhenAll(loops);
        lock (fetches)
        {
            return ([.. fetches], answeredAt);
        }
    }

    /// <summary>
    /// What is wrong, or null: a fetch sent after the change answered that was handed <paramref name="oldToken"/>, too few
    /// fetches sent after it, or none handed the old token before it (the race did not race).
    /// </summary>
    public static string? Problem(List<Fetch> fetches, long answeredAt, string oldToken)
    {
        var late = fetches.Where(f => f.SentAt > answeredAt && f.AccessToken == oldToken).ToList();
        if (late.Count > 0)
        {
            return $"{late.Count} of {fetches.Count(f => f.SentAt > answeredAt)} fetches sent after the change answered got the old token (clients {string.Join(',', late.Select(f => f.Client).Distinct())})";
        }

        if (fetches.Count(f => f.SentAt > answeredAt) < 20)
        {
            return "too few fetches were sent after the change answered";
        }

        return fetches.Any(f => f.SentAt < answeredAt && f.AccessToken == oldToken) ? null : "no fetch got the old token before the change";
    }
}
