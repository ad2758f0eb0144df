using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Redaction;

/// <summary>
/// Puts the originals back into an answer: every placeholder of the conversation's <see cref="PiiPlaceholderMap"/>
/// is replaced by its value; placeholders the map does not know (a model inventing &lt;PERSON_9&gt;) stay as they are.
/// Inside JSON (tool-call arguments) the value is JSON-escaped, and escaped placeholders (\u003CEMAIL_1\u003E, as
/// some serializers write '&lt;' and '&gt;') are restored too. For streamed answers use <see cref="Stream"/>.
/// </summary>
public sealed partial class PiiRestorer(PiiPlaceholderMap map)
{
    /// <summary>The map this restorer reads.</summary>
    public PiiPlaceholderMap Map { get; } = map;

    /// <summary><paramref name="text"/> with every known placeholder replaced by its original.</summary>
    public string Restore(string text) => Placeholder().Replace(text, m => Original(m, json: false));

    /// <summary>
    /// <paramref name="json"/> (tool-call arguments) with every known placeholder replaced by its JSON-escaped original,
    /// so the result is still valid JSON when the original holds quotes or backslashes.
    /// </summary>
    public string RestoreJson(string json) => JsonPlaceholder().Replace(json, m => Original(m, json: true));

    /// <summary>A restorer for an answer that arrives in chunks (JSON-escaping values when <paramref name="json"/>).</summary>
    public PiiStreamRestorer Stream(bool json = false) => new(this, json);

    private string Original(Match m, bool json)
    {
        var placeholder = $"<{m.Groups["name"].Value}>";
        if (!Map.TryGetOriginal(placeholder, out var original)) return m.Value;
        return json ? JsonEncodedText.Encode(original, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value : original;
    }

    /// <summary>The placeholder shape: &lt;TYPE_N&gt;.</summary>
    [GeneratedRegex(@"<(?<name>[A-Z][A-Z_]*_[0-9]+)>", RegexOptions.CultureInvariant)]
    internal static partial Regex Placeholder();

    /// <summary>The placeholder shape inside JSON: raw or with '&lt;' and '&gt;' written as \u003C / \u003E.</summary>
    [GeneratedRegex(@"(?:<|\\u003[cC])(?<name>[A-Z][A-Z_]*_[0-9]+)(?:>|\\u003[eE])", RegexOptions.CultureInvariant)]
    internal static partial Regex JsonPlaceholder();
}
