using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Takase.Library.Store;

/// <summary>
/// A model's name as Ollama spells it: <c>[host/][namespace/]model[:tag]</c>, plus an optional
/// <c>@sha256:&lt;hex&gt;</c> that pins one exact manifest. Missing parts take Ollama's defaults
/// (<c>registry.ollama.ai</c>, <c>library</c>, <c>latest</c>), so <c>llama3</c> and
/// <c>registry.ollama.ai/library/llama3:latest</c> are the same model.
/// </summary>
/// <remarks>
/// Validation follows Ollama's <c>types/model/name.go</c>: every part starts with a letter, digit or
/// underscore and continues with letters, digits, <c>_</c>, <c>-</c> and <c>.</c>; the namespace may not
/// hold dots; only the host may hold <c>:</c> (a port); the host is at most 350 characters, the other
/// parts at most 80. Names compare case-insensitively, as Ollama's do.
/// </remarks>
public sealed record ModelName
{
    /// <summary>Ollama's default registry host.</summary>
    public const string DefaultHost = "registry.ollama.ai";

    /// <summary>Ollama's default namespace.</summary>
    public const string DefaultNamespace = "library";

    /// <summary>Ollama's default tag.</summary>
    public const string DefaultTag = "latest";

    private ModelName(string host, string ns, string model, string tag, string? digest)
    {
        Host = host;
        Namespace = ns;
        Model = model;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>The registry host, for example <c>registry.ollama.ai</c> or <c>hf.co</c>.</summary>
    public string Host { get; }

    /// <summary>The namespace (user or organisation), <c>library</c> for official models.</summary>
    public string Namespace { get; }

    /// <summary>The model's own name.</summary>
    public string Model { get; }

    /// <summary>The tag, <c>latest</c> when none was given.</summary>
    public string Tag { get; }

    /// <summary>The pinned manifest digest (<c>sha256:&lt;64 hex&gt;</c>, lower case), or null when the name follows its tag.</summary>
    public string? Digest { get; }

    /// <summary>Builds a name from its parts, validating each one.</summary>
    public static ModelName Create(string host, string @namespace, string model, string tag, string? digest = null)
    {
        var error = Validate(host, @namespace, model, tag);
        if (error is not null) throw new ModelNameException($"{host}/{@namespace}/{model}:{tag}", error);
        if (digest is not null && !BlobDigest.TryNormalize(digest, out digest))
            throw new ModelNameException(digest ?? "", "the digest must be sha256:<64 hex digits>");
        return new ModelName(host, @namespace, model, tag, digest);
    }

    /// <summary>Parses a name, filling in Ollama's defaults; throws <see cref="ModelNameException"/> saying which part is wrong.</summary>
    public static ModelName Parse(string name)
    {
        if (TryParse(name, out var result, out var error)) return result;
        throw new ModelNameException(name, error);
    }

    /// <summary>Parses a name, filling in Ollama's defaults; false for a name Ollama would refuse.</summary>
    public static bool TryParse([NotNullWhen(true)] string? name, [NotNullWhen(true)] out ModelName? result) =>
        TryParse(name, out result, out _);

    private static bool TryParse(string? name, [NotNullWhen(true)] out ModelName? result, out string error)
    {
        result = null;
        if (string.IsNullOrWhiteSpace(name))
        {
            error = "the name is empty";
            return false;
        }
        var s = name.Trim();

        // A pinned digest comes last and may itself contain ':' (sha256:...), so it is cut off first.
        string? digest = null;
        var at = s.LastIndexOf('@');
        if (at >= 0)
        {
            if (!BlobDigest.TryNormalize(s[(at + 1)..], out digest))
            {
                error = $"'{s[(at + 1)..]}' after '@' is not a digest; write name@sha256:<64 hex digits>";
                return false;
            }
            s = s[..at];
        }

        // Like Ollama: a ':' after the last '/' starts the tag; a scheme before the host is dropped.
        string? tag = null, ns = null, host = null;
        if (s.LastIndexOf(':') > s.LastIndexOf('/'))
        {
            var colon = s.LastIndexOf(':');
            tag = s[(colon + 1)..];
            s = s[..colon];
        }
        string model;
        var slash = s.LastIndexOf('/');
        if (slash < 0)
        {
            model = s;
        }
        else
        {
            model = s[(slash + 1)..];
            s = s[..slash];
            slash = s.LastIndexOf('/');
            if (slash < 0)
            {
                ns = s;
            }
            else
            {
                ns = s[(slash + 1)..];
                host = s[..slash];
                var scheme = host.IndexOf("://", StringComparison.Ordinal);
                if (scheme >= 0) host = host[(scheme + 3)..];
            }
        }

        host ??= DefaultHost;
        ns ??= DefaultNamespace;
        tag ??= DefaultTag;
        var problem = Validate(host, ns, model, tag);
        if (problem is not null)
        {
            error = problem;
            return false;
        }
        result = new ModelName(host, ns, model, tag, digest);
        error = "";
        return true;
    }

    private static string? Validate(string host, string ns, string model, string tag) =>
        ValidatePart("host", host, 350, allowDot: true, allowColon: true)
        ?? ValidatePart("namespace", ns, 80, allowDot: false, allowColon: false)
        ?? ValidatePart("model", model, 80, allowDot: true, allowColon: false)
        ?? ValidatePart("tag", tag, 80, allowDot: true, allowColon: false);

    private static string? ValidatePart(string kind, string part, int maxLength, bool allowDot, bool allowColon)
    {
        if (part.Length == 0) return $"the {kind} is empty";
        if (part.Length > maxLength) return $"the {kind} '{part}' is longer than {maxLength} characters";
        if (!IsWordChar(part[0])) return $"the {kind} '{part}' must start with a letter, digit or '_'";
        foreach (var c in part.AsSpan(1))
        {
            if (IsWordChar(c) || c == '-') continue;
            if (c == '.' && allowDot) continue;
            if (c == ':' && allowColon) continue;
            return $"the {kind} '{part}' may not contain '{c}' (allowed: letters, digits, '_', '-'{(allowDot ? ", '.'" : "")}{(allowColon ? ", ':'" : "")})";
        }
        return null;
    }

    private static bool IsWordChar(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_';

    /// <summary>The same model without a pinned digest (what the tag points at).</summary>
    public ModelName WithoutDigest() => Digest is null ? this : new ModelName(Host, Namespace, Model, Tag, null);

    /// <summary>The same model pinned to one manifest digest.</summary>
    public ModelName WithDigest(string digest) => Create(Host, Namespace, Model, Tag, digest);

    /// <summary>The manifest's path below <c>manifests/</c>: <c>host/namespace/model/tag</c>, with the system separator.</summary>
    public string RelativeManifestPath => Path.Combine(Host, Namespace, Model, Tag);

    /// <summary>The repository path used in registry URLs: <c>namespace/model</c>.</summary>
    public string Repository => $"{Namespace}/{Model}";

    /// <summary>The full name, <c>host/namespace/model:tag</c>, followed by <c>@digest</c> when pinned.</summary>
    public override string ToString() => Digest is null ? $"{Host}/{Namespace}/{Model}:{Tag}" : $"{Host}/{Namespace}/{Model}:{Tag}@{Digest}";

    /// <summary>
    /// The shortest name that still means this model, as Ollama's <c>DisplayShortest</c>: the host is dropped
    /// when it is the default, the namespace too when it is <c>library</c>; model and tag are always shown.
    /// </summary>
    public string DisplayShortest()
    {
        var sb = new StringBuilder();
        if (!string.Equals(Host, DefaultHost, StringComparison.OrdinalIgnoreCase))
            sb.Append(Host).Append('/').Append(Namespace).Append('/');
        else if (!string.Equals(Namespace, DefaultNamespace, StringComparison.OrdinalIgnoreCase))
            sb.Append(Namespace).Append('/');
        sb.Append(Model).Append(':').Append(Tag);
        if (Digest is not null) sb.Append('@').Append(Digest);
        return sb.ToString();
    }

    /// <summary>Case-insensitive equality of every part, as Ollama's <c>EqualFold</c>.</summary>
    public bool Equals(ModelName? other) =>
        other is not null
        && string.Equals(Host, other.Host, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Namespace, other.Namespace, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Model, other.Model, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Tag, other.Tag, StringComparison.OrdinalIgnoreCase)
        && string.Equals(Digest, other.Digest, StringComparison.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(
        StringComparer.OrdinalIgnoreCase.GetHashCode(Host), StringComparer.OrdinalIgnoreCase.GetHashCode(Namespace),
        StringComparer.OrdinalIgnoreCase.GetHashCode(Model), StringComparer.OrdinalIgnoreCase.GetHashCode(Tag), Digest);
}

/// <summary>A model name Ollama would refuse; the message says which part is wrong and why.</summary>
public sealed class ModelNameException(string name, string reason)
    : ArgumentException($"invalid model name '{name}': {reason}. Names look like model, model:tag, namespace/model:tag or host/namespace/model:tag.")
{
    /// <summary>The name as given.</summary>
    public string Name { get; } = name;
}
