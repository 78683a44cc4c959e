using ActorOAuth.Abstractions;

namespace ActorOAuth.Grains.ConnectSessions;

/// <summary>
/// Completes a callback and remembers how it ended, in memory, for <see cref="KeepFor"/>: long enough for the
/// self-refreshing page of a slow code exchange to find it from any API process.
/// </summary>
[GrainType("callback-completion")]
public sealed class CallbackCompletionGrain(TimeProvider time) : Grain, ICallbackCompletionGrain
{
    /// <summary>How long a finished outcome stays to be found.</summary>
    public static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(5);

    private bool _started;
    private CallbackOutcome? _outcome;
    private TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<CallbackOutcome> Complete(CallbackRequest callback)
    {
        var first = !_started;
        if (first)
        {
            _started = true;
            _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        var finished = _finished;
        try
        {
            var outcome = await AuthorizationCallback.Complete(GrainFactory, callback);
            if (first)
            {
                _outcome = outcome;
            }

            return outcome;
        }
        catch when (first)
        {
            // Nothing to show later: the page that asks says it cannot tell, and the connect page shows the status.
            _started = false;
            throw;
        }
        finally
        {
            if (first)
            {
                finished.TrySetResult();
            }

            DelayDeactivation(KeepFor);
        }
    }

    public async Task<CallbackProgress> Progress(TimeSpan wait)
    {
        if (_started && !_finished.Task.IsCompleted && wait > TimeSpan.Zero)
        {
            try
            {
                await _finished.Task.WaitAsync(wait, time);
            }
            catch (TimeoutException)
            {
                // Still running: the page asks again.
            }
        }

        return new CallbackProgress(_started, _outcome);
    }
}
