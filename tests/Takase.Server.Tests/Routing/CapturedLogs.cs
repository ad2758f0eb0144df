using Microsoft.Extensions.Logging;

namespace Takase.Server.Tests.Routing;

/// <summary>
/// A logger provider that keeps every line the server logs (message, exception and scope-free), so a test can check
/// what a request left in the logs. Its configuration alias is "Capture" (<c>Logging:Capture:LogLevel:Default</c>).
/// </summary>
[ProviderAlias("Capture")]
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly Lock _lock = new();
    private readonly List<string> _lines = [];

    /// <summary>How many lines were logged so far (a mark for <see cref="Since"/>).</summary>
    public int Count
    {
        get { lock (_lock) return _lines.Count; }
    }

    /// <summary>The lines logged after <paramref name="mark"/>, as "Level Category: message exception".</summary>
    public IReadOnlyList<string> Since(int mark)
    {
        lock (_lock) return _lines[Math.Min(mark, _lines.Count)..];
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private void Add(string line)
    {
        lock (_lock) _lines.Add(line);
    }

    private sealed class Logger(CapturedLogs logs, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Add($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
