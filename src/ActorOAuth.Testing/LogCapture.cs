using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace ActorOAuth.Testing;

/// <summary>An <see cref="ILoggerProvider"/> that keeps every formatted log line (and exception) written, for scanning.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<LogLine> _entries = new();

    /// <summary>Every line written, formatted with its level, category and exception.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>Every entry in the order written: the formatted message and the exception apart, so the message can be checked alone.</summary>
    public IReadOnlyCollection<LogLine> Entries => _entries;

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            capture._entries.Enqueue(new LogLine(logLevel, category, message, exception));
            capture._lines.Enqueue($"{logLevel} {category}: {message} {exception}");
        }
    }
}

/// <summary>One captured log entry.</summary>
public sealed record LogLine(LogLevel Level, string Category, string Message, Exception? Exception)
{
    /// <summary>The message and the messages of the exception and its inner exceptions: everything but stack traces.</summary>
    public IEnumerable<string> Texts()
    {
        yield return Message;
        for (var e = Exception; e is not null; e = e.InnerException)
        {
            yield return e.Message;
        }
    }
}
