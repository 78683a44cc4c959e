using ActorOAuth.Abstractions;
using Microsoft.Extensions.Logging;
using Orleans.Serialization;
using Orleans.Storage;

namespace ActorOAuth.Grains.Connections;

/// <summary>
/// A connection's storage and its write policy. A command is acknowledged only once its state is written: a failed
/// write puts the state back as it was and answers 503. Tokens the provider issued are the exception: kept in memory
/// and written again until the write lands. A repeated <c>used</c> entry waits to be carried by a later write. An ETag
/// conflict (another activation wrote) is never overwritten: a command's lets the activation go (Orleans deactivates
/// it and the next call reads the other write); kept tokens are applied again on the state read back.
/// </summary>
internal sealed partial class ConnectionStore(
    IGrainBase grain,
    IPersistentState<ConnectionState> storage,
    DeepCopier<ConnectionState> copier,
    ConnectionOptions options,
    TimeProvider time,
    JitterSource jitter,
    ILogger logger,
    ConnectionEffects effects,
    DeferredWrites deferred)
{
    private IGrainTimer? _retry;
    private DeferredWrite? _usedWrite;
    private bool _usedUnwritten;

    /// <summary>What waits for the deferred write is bookkeeping only (the outbox handed on, leases gone): it leaves <c>updatedAt</c> alone.</summary>
    private bool _bookkeepingOnly;

    /// <summary>How to apply the kept, unwritten change again to a state read back after a conflict.</summary>
    private Action<ConnectionState>? _reapply;

    public ConnectionState State => storage.State;

    /// <summary>A change is kept in memory and not yet written (the write is being retried).</summary>
    public bool Unwritten => _reapply is not null;

    /// <summary>A copy to put back if the change's write fails.</summary>
    public ConnectionState Snapshot() => copier.Copy(storage.State);

    public void Restore(ConnectionState before) => storage.State = before;

    /// <summary>A command's write: it lands, or the state goes back to <paramref name="before"/> and the caller gets a 503.</summary>
    public async Task Write(ConnectionState before)
    {
        try
        {
            await WriteNow(CancellationToken.None);
        }
        catch (InconsistentStateException e)
        {
            LogConflict(logger, e, Key);
            Restore(before);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogCommandWriteFailed(logger, e, Key);
            Restore(before);
            throw Unavailable(e, options);
        }
    }

    /// <summary>
    /// Writes a change that must not be lost (tokens the provider issued, the refresh bookkeeping): it lands, or it is
    /// kept in memory and written again every <see cref="ConnectionOptions.StateWriteRetryDelay"/> until it does.
    /// <paramref name="reapply"/> makes the same change on a state read back after an ETag conflict.
    /// </summary>
    /// <returns>Whether it is in storage now.</returns>
    public async Task<bool> WriteKeeping(Action<ConnectionState> reapply)
    {
        _reapply = _reapply is null ? reapply : _reapply + reapply;
        return await TryWrite(CancellationToken.None);
    }

    /// <summary>A repeated <c>used</c> entry: written by the next write, or at a random moment within the write delay.</summary>
    public void DeferUsedWrite()
    {
        _bookkeepingOnly = false;
        Defer();
    }

    /// <summary>Bookkeeping no reader sees (outbox entries handed on): written like a repeated <c>used</c> entry, without touching <c>updatedAt</c>.</summary>
    public void DeferBookkeepingWrite()
    {
        AddBookkeeping();
        Defer();
    }

    private void Defer()
    {
        _usedUnwritten = true;
        if (_usedWrite is not { IsWaiting: true })
        {
            _usedWrite = deferred.Schedule(grain.GrainContext.GrainId, options.UsedWriteDelay * jitter.NextDouble());
        }
    }

    /// <summary>The deferred write fell due (<see cref="DeferredWrites"/> told the connection): what waits is written now.</summary>
    public async Task WriteDeferred()
    {
        if (_usedWrite is { IsWaiting: false })
        {
            _usedWrite = null;
        }

        if (_usedUnwritten)
        {
            await TryWrite(CancellationToken.None, bookkeeping: _bookkeepingOnly && !Unwritten);
        }
    }

    /// <summary>A change that only has to be written before the activation goes (carried by an earlier write, or by <see cref="Flush"/>).</summary>
    public void WriteBeforeDeactivation()
    {
        AddBookkeeping();
        _usedUnwritten = true;
    }

    /// <summary>Bookkeeping joins what waits: still bookkeeping only, unless a <c>used</c> entry already waits.</summary>
    private void AddBookkeeping() => _bookkeepingOnly = !_usedUnwritten || _bookkeepingOnly;

    /// <summary>Deletes the row; a failure leaves everything as it was and answers 503.</summary>
    public async Task Clear()
    {
        try
        {
            await storage.ClearStateAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException and not InconsistentStateException)
        {
            LogCommandWriteFailed(logger, e, Key);
            throw Unavailable(e, options);
        }

        storage.State = new ConnectionState();
        Forget();
    }

    /// <summary>
    /// Writes what is still unwritten when the activation is collected or moved. A pending <c>used</c> entry is left
    /// alone while the silo shuts down (the storage may already be gone, and thousands of log-only writes would slow a
    /// rolling restart); kept tokens are always tried.
    /// </summary>
    public async Task Flush(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _usedWrite?.Cancel();
        _usedWrite = null;
        if (Unwritten || (_usedUnwritten && reason.ReasonCode != DeactivationReasonCode.ShuttingDown))
        {
            if (!await TryWrite(cancellationToken, bookkeeping: _bookkeepingOnly && !Unwritten) && Unwritten)
            {
                LogKeptLost(logger, Key);
            }
        }
    }

    /// <summary>The 503 of a command whose change could not be stored (and so was not made).</summary>
    public static ConnectionProblemException Unavailable(Exception cause, ConnectionOptions options) =>
        new(ConnectionProblemKind.Unavailable, ProblemCodes.StorageUnavailable,
            "The change could not be stored and was not made; retry later. (" + cause.GetType().Name + ")", options.StateWriteRetryDelay);

    private string Key => grain.GrainContext.GrainId.ToString();

    private async Task WriteNow(CancellationToken cancellationToken, bool bookkeeping = false)
    {
        if (!bookkeeping)
        {
            State.UpdatedAt = time.GetUtcNow();
        }

        await storage.WriteStateAsync(cancellationToken);
        Forget();
        await effects.Sync();
    }

    /// <summary>One write; a failure is logged and, for a kept change, retried on a timer.</summary>
    private async Task<bool> TryWrite(CancellationToken cancellationToken, bool readBack = false, bool bookkeeping = false)
    {
        try
        {
            await WriteNow(cancellationToken, bookkeeping);
            return true;
        }
        catch (InconsistentStateException e)
        {
            LogConflict(logger, e, Key);
            if (_reapply is not { } reapply || readBack)
            {
                grain.GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, "ETag conflict: another activation wrote."));
                return false;
            }

            // Another activation wrote meanwhile: keep its write, and apply the change kept here on top of it.
            await storage.ReadStateAsync(cancellationToken);
            reapply(storage.State);
            return await TryWrite(cancellationToken, readBack: true, bookkeeping);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (!Unwritten)
            {
                // Only a used entry or bookkeeping waited: it stays waiting for the next write (or the deactivation's).
                LogDeferredWriteFailed(logger, e, Key);
                return false;
            }

            LogWriteFailed(logger, e, Key);
            _retry ??= grain.RegisterGrainTimer(Retry, new GrainTimerCreationOptions(options.StateWriteRetryDelay, options.StateWriteRetryDelay) { KeepAlive = true });
            return false;
        }
    }

    private async Task Retry(CancellationToken cancellationToken)
    {
        if (await TryWrite(cancellationToken))
        {
            LogWriteRecovered(logger, Key);
        }
    }

    /// <summary>Storage holds everything in memory now: nothing kept, no pending <c>used</c> entry, no timer.</summary>
    private void Forget()
    {
        _reapply = null;
        _usedUnwritten = false;
        _bookkeepingOnly = false;
        _retry?.Dispose();
        _retry = null;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Connection {Connection}: writing state failed; kept in memory and retrying")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string connection);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Connection {Connection}: writing state failed; the change was not made and the caller told to retry")]
    private static partial void LogCommandWriteFailed(ILogger logger, Exception exception, string connection);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Connection {Connection}: state written after an earlier failure")]
    private static partial void LogWriteRecovered(ILogger logger, string connection);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Connection {Connection}: ETag conflict, another activation wrote; not overwriting it")]
    private static partial void LogConflict(ILogger logger, Exception exception, string connection);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Critical, Message = "Connection {Connection}: deactivated with tokens the provider issued still unwritten")]
    private static partial void LogKeptLost(ILogger logger, string connection);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning, Message = "Connection {Connection}: a deferred write (a used entry, bookkeeping) failed; the connection's next write carries it (none if it is deactivating)")]
    private static partial void LogDeferredWriteFailed(ILogger logger, Exception exception, string connection);
}
