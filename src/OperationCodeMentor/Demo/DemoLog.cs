using System.Collections.Concurrent;

namespace OperationCodeMentor.Demo;

/// <summary>
/// Keeps the bot's warnings and errors during the demo. They are shown after the story rather than in the middle
/// of it, and an error fails the demo: the story is meant to run cleanly.
/// </summary>
public sealed class DemoLog : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Text)> _entries = new();

    public IReadOnlyList<string> Entries => _entries.Select(e => $"{e.Level}: {e.Text}").ToList();

    public IReadOnlyList<string> Errors => _entries.Where(e => e.Level >= LogLevel.Error).Select(e => e.Text).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(DemoLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var text = $"{category}: {formatter(state, exception)}";
            owner._entries.Enqueue((logLevel, exception is null ? text : $"{text} ({exception.GetType().Name}: {exception.Message})"));
        }
    }
}
