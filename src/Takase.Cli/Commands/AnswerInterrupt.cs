namespace Takase.Cli.Commands;

/// <summary>
/// Ctrl-C in an interactive chat stops the answer being written and returns to the prompt, as in Ollama; at the prompt
/// it only reminds how to leave. The session asks for a token per answer; the handler cancels the current one.
/// </summary>
internal sealed class AnswerInterrupt : IDisposable
{
    private readonly TextWriter _error;
    private CancellationTokenSource? _current;

    /// <summary>Takes over Ctrl-C for the life of the chat (the command line parser's own handling is off for `run`).</summary>
    public AnswerInterrupt(TextWriter error)
    {
        _error = error;
        Console.CancelKeyPress += OnCancelKeyPress;
    }

    /// <summary>A token for one answer: cancelled by Ctrl-C or by <paramref name="session"/>.</summary>
    public CancellationTokenSource BeginAnswer(CancellationToken session)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(session);
        Interlocked.Exchange(ref _current, source)?.Dispose();
        return source;
    }

    /// <summary>The answer ended; Ctrl-C goes back to meaning "at the prompt".</summary>
    public void EndAnswer(CancellationTokenSource source) => Interlocked.CompareExchange(ref _current, null, source);

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true; // the process stays; the chat goes on
        var current = Volatile.Read(ref _current);
        if (current is not null)
        {
            try { current.Cancel(); }
            catch (ObjectDisposedException) { }
        }
        else
        {
            _error.WriteLine();
            _error.WriteLine("Use Ctrl + d or /bye to exit.");
            _error.Write(">>> ");
            _error.Flush();
        }
    }

    /// <inheritdoc />
    public void Dispose() => Console.CancelKeyPress -= OnCancelKeyPress;
}
