namespace Takase.Server.Inference;

/// <summary>
/// Separates the reasoning of thinking models (between &lt;think&gt; and &lt;/think&gt;) from the answer, in a
/// stream: text that might be the start of a tag is held back until it is known. Templates that open the think block
/// in the prompt (DeepSeek-R1, Qwen3 with thinking) make the output start inside it.
/// </summary>
public sealed class ThinkingSplitter(bool startInside, string open = "<think>", string close = "</think>")
{
    private readonly System.Text.StringBuilder _pending = new();
    private bool _inside = startInside;
    private bool _seenOpen = startInside;
    private bool _answerStarted;

    /// <summary>Feeds generated text; returns the (thinking, content) parts that are final now.</summary>
    public (string Thinking, string Content) Append(string text)
    {
        _pending.Append(text);
        var thinking = new System.Text.StringBuilder();
        var content = new System.Text.StringBuilder();
        while (_pending.Length > 0)
        {
            var s = _pending.ToString();
            if (_inside)
            {
                var end = s.IndexOf(close, StringComparison.Ordinal);
                if (end >= 0)
                {
                    thinking.Append(s[..end]);
                    _pending.Remove(0, end + close.Length);
                    _inside = false;
                    continue;
                }
                var keep = PartialSuffix(s, close);
                thinking.Append(s[..^keep]);
                _pending.Remove(0, s.Length - keep);
                break;
            }
            if (!_seenOpen && !_answerStarted)
            {
                // Only a think block at the very start (after whitespace) counts as reasoning.
                var trimmed = s.TrimStart();
                if (trimmed.StartsWith(open, StringComparison.Ordinal))
                {
                    _pending.Remove(0, s.Length - trimmed.Length + open.Length);
                    _inside = _seenOpen = true;
                    continue;
                }
                if (open.StartsWith(trimmed, StringComparison.Ordinal)) break; // could still become "<think>"
                _answerStarted = true;
            }
            // After the think block the answer's leading whitespace is dropped, as Ollama does.
            if (_seenOpen && !_answerStarted)
            {
                var trimmed = s.TrimStart();
                if (trimmed.Length == 0) { _pending.Clear(); break; }
                _answerStarted = true;
                content.Append(trimmed);
            }
            else content.Append(s);
            _pending.Clear();
        }
        return (thinking.ToString(), content.ToString());
    }

    /// <summary>Whatever is still held back, at the end of the stream.</summary>
    public (string Thinking, string Content) Flush()
    {
        var rest = _pending.ToString();
        _pending.Clear();
        return _inside ? (rest, "") : ("", rest);
    }

    private static int PartialSuffix(string s, string tag)
    {
        for (var n = Math.Min(tag.Length - 1, s.Length); n > 0; n--)
            if (s.EndsWith(tag[..n], StringComparison.Ordinal)) return n;
        return 0;
    }
}
