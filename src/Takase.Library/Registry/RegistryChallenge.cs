using System.Net.Http.Headers;
using System.Text;

namespace Takase.Library.Registry;

/// <summary>
/// A registry's <c>WWW-Authenticate</c> answer to a request it would not serve:
/// <c>Bearer realm="https://ollama.com/token",service="ollama.com",scope="repository:library/llama3:pull"</c>
/// (fetch a token from the realm for this scope), or <c>Basic realm="…"</c> (send credentials directly).
/// </summary>
/// <param name="Scheme"><c>Bearer</c> or <c>Basic</c>.</param>
/// <param name="Realm">For Bearer, the absolute URL of the token service.</param>
/// <param name="Service">The service name the token is for.</param>
/// <param name="Scope">Space-separated scopes (<c>repository:ns/model:pull,push</c>); may be empty.</param>
internal sealed record RegistryChallenge(string Scheme, string Realm, string Service, string Scope)
{
    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    /// <summary>Identifies the token a challenge asks for: the same realm, service and scope get the same token.</summary>
    public string TokenKey => $"{Realm}\n{Service}\n{Scope}";

    /// <summary>
    /// The first usable challenge: a Bearer one whose realm is an absolute http(s) URL (others, such as
    /// Hugging Face's <c>Bearer realm="Authentication required"</c>, cannot be answered), else a Basic one.
    /// </summary>
    public static RegistryChallenge? From(HttpResponseHeaders headers) =>
        headers.TryGetValues("WWW-Authenticate", out var values) ? From(values) : null;

    /// <summary><see cref="From(HttpResponseHeaders)"/> over raw header values, one challenge each.</summary>
    internal static RegistryChallenge? From(IEnumerable<string> headerValues)
    {
        RegistryChallenge? basic = null;
        foreach (var raw in headerValues)
        {
            var text = raw.Trim();
            var space = text.IndexOf(' ');
            var scheme = space < 0 ? text : text[..space];
            var values = Parameters(space < 0 ? "" : text[(space + 1)..]);
            values.TryGetValue("realm", out var realm);
            if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)
                && Uri.TryCreate(realm, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
                return new RegistryChallenge("Bearer", realm!, values.GetValueOrDefault("service") ?? "", values.GetValueOrDefault("scope") ?? "");
            if (scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
                basic ??= new RegistryChallenge("Basic", realm ?? "", "", "");
        }
        return basic;
    }

    /// <summary>Parses <c>key="quoted, value",key2=token</c> (RFC 9110 auth-params); commas inside quotes stay.</summary>
    internal static Dictionary<string, string> Parameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i]))) i++;
            var equals = text.IndexOf('=', i);
            if (equals < 0) break;
            var key = text[i..equals].Trim();
            i = equals + 1;
            var value = new StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                for (i++; i < text.Length && text[i] != '"'; i++)
                {
                    if (text[i] == '\\' && i + 1 < text.Length) i++;
                    value.Append(text[i]);
                }
                i++; // the closing quote
            }
            else
            {
                for (; i < text.Length && text[i] != ','; i++) value.Append(text[i]);
            }
            result[key] = value.ToString().Trim();
        }
        return result;
    }
}
