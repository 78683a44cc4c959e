using System.Collections.Concurrent;
using Orleans.Serialization;
using Orleans.Storage;

namespace ActorOAuth.Testing;

/// <summary>
/// Grain storage shared by every silo of one test cluster and outliving any of them, so a killed
/// silo loses nothing — what a real database gives a production cluster. States are stored
/// serialized, with ETags checked like a database provider does.
/// </summary>
public sealed class SharedGrainStorage(Serializer serializer, SharedGrainStorage.Database database) : IGrainStorage
{
    private ConcurrentDictionary<string, (byte[] Data, string ETag)> Rows => database.Rows;

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (Rows.TryGetValue(Key(stateName, grainId), out var row))
        {
            grainState.State = serializer.Deserialize<T>(row.Data);
            grainState.ETag = row.ETag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A write that honours the caller's cancellation as a database provider does: a write asked for with a cancelled
    /// token does not happen.
    /// </summary>
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return WriteStateAsync(stateName, grainId, grainState);
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        database.ThrowIfUnwritable(grainId);

        if (database.Held.TryGetValue(grainId.ToString(), out var hold))
        {
            await hold.WaitAsync();
        }

        var etag = Interlocked.Increment(ref database.LastETag).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var data = serializer.SerializeToArray(grainState.State);
        Rows.AddOrUpdate(Key(stateName, grainId),
            _ => grainState.ETag is null ? (data, etag) : throw Conflict(grainState.ETag, null),
            (_, existing) => existing.ETag == grainState.ETag ? (data, etag) : throw Conflict(grainState.ETag, existing.ETag));
        grainState.ETag = etag;
        grainState.RecordExists = true;
        Interlocked.Add(ref database.WrittenBytes, data.Length);
        Interlocked.Increment(ref database.WrittenRows);
        database.WrittenByType.AddOrUpdate(grainId.Type.ToString()!, (data.Length, 1), (_, w) => (w.Bytes + data.Length, w.Rows + 1));
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        database.ThrowIfUnwritable(grainId);
        Rows.TryRemove(Key(stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private static string Key(string stateName, GrainId grainId) => $"{stateName}|{grainId}";

    private static InconsistentStateException Conflict(string? expected, string? stored) =>
        new($"ETag mismatch: the grain holds {expected ?? "none"}, storage holds {stored ?? "none"}.", stored ?? "", expected ?? "");

    /// <summary>The rows of one test cluster.</summary>
    public sealed class Database
    {
        internal readonly ConcurrentDictionary<string, (byte[] Data, string ETag)> Rows = new();
        internal readonly ConcurrentDictionary<string, bool> Unwritable = new();
        internal readonly ConcurrentDictionary<string, bool> UnwritableTypes = new();
        internal readonly ConcurrentDictionary<string, WriteHold> Held = new();
        internal long LastETag;
        internal long WrittenBytes;
        internal long WrittenRows;

        /// <summary>The bytes of every row written so far (each write counts its whole row).</summary>
        public long BytesWritten => Interlocked.Read(ref WrittenBytes);

        /// <summary>The number of row writes so far.</summary>
        public long Writes => Interlocked.Read(ref WrittenRows);

        internal readonly ConcurrentDictionary<string, (long Bytes, long Rows)> WrittenByType = new();

        /// <summary>The bytes and the number of row writes so far of grains of one type (e.g. <c>tenant-index-page</c>).</summary>
        public (long Bytes, long Writes) WrittenOf(string grainType) => WrittenByType.GetValueOrDefault(grainType);

        /// <summary>Makes writes of this grain fail (a database outage) until <see cref="RestoreWrites(GrainId)"/>.</summary>
        public void FailWrites(GrainId grainId) => Unwritable[grainId.ToString()] = true;

        /// <summary>Lets writes of this grain succeed again.</summary>
        public void RestoreWrites(GrainId grainId) => Unwritable.TryRemove(grainId.ToString(), out _);

        /// <summary>Makes writes of every grain whose type starts with <paramref name="grainTypePrefix"/> fail until restored.</summary>
        public void FailWrites(string grainTypePrefix) => UnwritableTypes[grainTypePrefix] = true;

        /// <summary>Lets writes of these grain types succeed again.</summary>
        public void RestoreWrites(string grainTypePrefix) => UnwritableTypes.TryRemove(grainTypePrefix, out _);

        internal void ThrowIfUnwritable(GrainId grainId)
        {
            var type = grainId.Type.ToString()!;
            if (Unwritable.ContainsKey(grainId.ToString()) || UnwritableTypes.Keys.Any(prefix => type.StartsWith(prefix, StringComparison.Ordinal)))
            {
                throw new IOException("Storage is unavailable (simulated outage).");
            }
        }

        /// <summary>Makes writes of this grain wait (a slow database) until the hold is disposed.</summary>
        public WriteHold HoldWrites(GrainId grainId)
        {
            var hold = new WriteHold(() => Held.TryRemove(grainId.ToString(), out _));
            Held[grainId.ToString()] = hold;
            return hold;
        }
    }

    /// <summary>Writes that wait until disposed; <see cref="Waiting"/> says whether one has started.</summary>
    public sealed class WriteHold(Action removed) : IDisposable
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _waiting;

        /// <summary>Whether a write is waiting on the hold.</summary>
        public bool Waiting => Volatile.Read(ref _waiting) > 0;

        internal Task WaitAsync()
        {
            Interlocked.Increment(ref _waiting);
            return _released.Task;
        }

        /// <summary>Releases the waiting writes and lifts the hold.</summary>
        public void Dispose()
        {
            removed();
            _released.TrySetResult();
        }
    }
}
