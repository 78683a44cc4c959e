using System.Collections.Concurrent;

namespace ActorOAuth.Testing;

/// <summary>Counts the calls each grain receives, by method: to tell a grain call from a hand-out served without one.</summary>
public sealed class GrainCallCounter : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<(GrainId Grain, string Method), int> _calls = new();

    public int Of(GrainId grain, string method) => _calls.GetValueOrDefault((grain, method));

    public Task Invoke(IIncomingGrainCallContext context)
    {
        _calls.AddOrUpdate((context.TargetId, context.MethodName), 1, (_, n) => n + 1);
        return context.Invoke();
    }
}
