using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OperationCodeMentor.Tests.Fakes;

/// <summary>One log entry as the bot wrote it, with the values of every scope it was written in.</summary>
public sealed record LogEntry(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, string?> Scopes, Exception? Exception);

/// <summary>A logger provider that keeps every entry, scopes included, so tests can read what an operator would.</summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<LogEntry> Entries => _entries.ToList();

    /// <summary>How many entries there are so far (cheap: for noticing that the bot is busy).</summary>
    public int Count => _entries.Count;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() { }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new Dictionary<string, string?>();
            owner._scopes.ForEachScope((scope, into) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> values)
                    foreach (var (key, value) in values)
                        if (key != "{OriginalFormat}") into[key] = value?.ToString();
            }, scopes);
            owner._entries.Enqueue(new LogEntry(category, logLevel, formatter(state, exception), scopes, exception));
        }
    }
}
