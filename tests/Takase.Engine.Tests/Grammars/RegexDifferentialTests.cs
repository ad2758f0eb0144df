using System.Text;
using System.Text.RegularExpressions;
using Takase.Engine.Grammars;

namespace Takase.Engine.Tests.Grammars;

/// <summary>
/// Random regular expressions written both as GBNF and as .NET regexes: the matcher and the regex engine must agree
/// on every string, and every prefix (down to single bytes inside a character) of a matching string must be
/// acceptable to the matcher.
/// </summary>
public class RegexDifferentialTests
{
    // One- to three-byte UTF-8 characters; .NET regexes work on UTF-16, so nothing outside the BMP here.
    private static readonly string[] Alphabet = ["a", "b", "é", "ひ"];

    private sealed record Expression(string Gbnf, string Regex, bool Nullable, Func<Random, string> Sample);

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static Expression Generate(Random random, int depth)
    {
        switch (depth == 0 ? random.Next(3) : random.Next(7))
        {
            case 0:
                {
                    var text = string.Concat(Enumerable.Range(0, 1 + random.Next(2)).Select(_ => Pick(random, Alphabet)));
                    return new($"\"{text}\"", $"(?:{Regex.Escape(text)})", false, _ => text);
                }
            case 1:
                {
                    var members = Alphabet.Where(_ => random.Next(2) == 0).DefaultIfEmpty("a").ToList();
                    var negated = random.Next(3) == 0 && members.Count < Alphabet.Length;
                    var pool = negated ? Alphabet.Except(members).ToList() : members;
                    var body = string.Concat(members);
                    return new(negated ? $"[^{body}]" : $"[{body}]", negated ? $"[^{body}]" : $"[{body}]", false, r => Pick(r, pool));
                }
            case 2:
                return new(".", ".", false, r => Pick(r, Alphabet));
            case 3:
                {
                    var parts = Enumerable.Range(0, 2 + random.Next(2)).Select(_ => Generate(random, depth - 1)).ToList();
                    return new($"({string.Join(" ", parts.Select(p => p.Gbnf))})", string.Concat(parts.Select(p => p.Regex)),
                        parts.All(p => p.Nullable), r => string.Concat(parts.Select(p => p.Sample(r))));
                }
            case 4:
                {
                    var parts = Enumerable.Range(0, 2 + random.Next(2)).Select(_ => Generate(random, depth - 1)).ToList();
                    return new($"({string.Join(" | ", parts.Select(p => p.Gbnf))})", $"(?:{string.Join("|", parts.Select(p => p.Regex))})",
                        parts.Any(p => p.Nullable), r => Pick(r, parts).Sample(r));
                }
            default:
                {
                    var inner = Generate(random, depth - 1);
                    var min = random.Next(3);
                    int? max = random.Next(3) switch { 0 => null, 1 => min, _ => min + random.Next(3) };
                    if (max is null && inner.Nullable) max = min + 2;   // (x*)* is refused, as in llama.cpp
                    var op = (min, max) switch
                    {
                        (0, null) => "*",
                        (1, null) => "+",
                        (_, null) => $"{{{min},}}",
                        (0, 1) => "?",
                        var (m, n) when m == n => $"{{{m}}}",
                        var (m, n) => $"{{{m},{n}}}",
                    };
                    return new($"({inner.Gbnf}){op}", $"(?:{inner.Regex}){op}", inner.Nullable || min == 0, r =>
                    {
                        var count = min + r.Next((max ?? min + 3) - min + 1);
                        return string.Concat(Enumerable.Range(0, count).Select(_ => inner.Sample(r)));
                    });
                }
        }
    }

    [Fact]
    public void MatcherAgreesWithTheRegexEngine()
    {
        var random = new Random(20240501);
        int matched = 0, refused = 0;
        for (var round = 0; round < 250; round++)
        {
            var expression = Generate(random, depth: 3);
            var grammar = Grammar.Parse($"root ::= {expression.Gbnf}");
            var regex = new Regex($"^(?:{expression.Regex})$", RegexOptions.CultureInvariant);

            for (var i = 0; i < 8; i++)
            {
                var text = expression.Sample(random);
                Assert.True(regex.IsMatch(text), $"regex {regex} should match its own sample '{text}'");
                Assert.True(GrammarMatcher.Matches(grammar, text), $"grammar {expression.Gbnf} should match '{text}'");
                var bytes = Encoding.UTF8.GetBytes(text);
                var matcher = grammar.CreateMatcher();
                for (var cut = 0; cut <= bytes.Length; cut++)
                    Assert.True(matcher.CanAccept(bytes.AsSpan(0, cut)), $"grammar {expression.Gbnf}: prefix of '{text}' ({cut} bytes) refused");
            }
            for (var i = 0; i < 25; i++)
            {
                var text = string.Concat(Enumerable.Range(0, random.Next(7)).Select(_ => Pick(random, Alphabet)));
                var expected = regex.IsMatch(text);
                Assert.True(expected == GrammarMatcher.Matches(grammar, text),
                    $"'{text}': regex {regex} says {expected}, grammar {expression.Gbnf} disagrees");
                if (expected) matched++;
                else refused++;
            }
        }
        // Both answers must be common, or agreeing would prove little.
        Assert.True(matched > 300 && refused > 1000, $"random strings: {matched} matched, {refused} refused");
    }
}
