using ActorOAuth.Grains.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace ActorOAuth.Testing;

/// <summary>
/// An OpenTelemetry meter provider with the in-memory exporter, listening to the <c>ActorOAuth</c> meter of this
/// process: <see cref="Sum"/> and <see cref="Count"/> read its instruments as an exporter would see them now.
/// </summary>
public sealed class MetricsRecorder : IDisposable
{
    private readonly List<MetricSnapshot> _exported = [];
    private readonly MeterProvider _provider;

    public MetricsRecorder() =>
        _provider = Sdk.CreateMeterProviderBuilder().AddMeter(ActorOAuthMetrics.MeterName).AddInMemoryExporter(_exported).Build();

    /// <summary>The sum of a counter's points whose tags include every pair of <paramref name="tags"/>.</summary>
    public long Sum(string name, params (string Key, object Value)[] tags) =>
        Points(name, tags).Sum(p => p.MetricType.IsSum() ? p.Point.GetSumLong() : 0);

    /// <summary>How many values a histogram recorded, over its points whose tags include every pair of <paramref name="tags"/>.</summary>
    public long Count(string name, params (string Key, object Value)[] tags) =>
        Points(name, tags).Sum(p => p.Point.GetHistogramCount());

    private IEnumerable<(MetricType MetricType, MetricPoint Point)> Points(string name, (string Key, object Value)[] tags)
    {
        lock (_exported)
        {
            _exported.Clear();
            _provider.ForceFlush();
            var metric = _exported.LastOrDefault(m => m.Name == name);
            if (metric is null)
            {
                return [];
            }

            var points = new List<(MetricType, MetricPoint)>();
            foreach (var point in metric.MetricPoints)
            {
                var pointTags = new Dictionary<string, object?>();
                foreach (var tag in point.Tags)
                {
                    pointTags[tag.Key] = tag.Value;
                }

                if (tags.All(t => pointTags.TryGetValue(t.Key, out var v) && Equals(v, t.Value)))
                {
                    points.Add((metric.MetricType, point));
                }
            }

            return points;
        }
    }

    public void Dispose() => _provider.Dispose();
}
