using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Takase.Engine.Grammars;
using Takase.Engine.Grammars.Json;
using Takase.Engine.Sampling;
using Takase.Engine.Tests.Tokenizers;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Tests.Grammars;

public class GrammarConstraintTests
{
    private static List<int> Unbanned(float[] logits) =>
        Enumerable.Range(0, logits.Length).Where(i => !float.IsNegativeInfinity(logits[i])).ToList();

    /// <summary>Apply's mask and IsAllowed must agree on every token of the vocabulary.</summary>
    private static int AssertMaskMatchesIsAllowed(GrammarConstraint constraint, Tokenizer tokenizer)
    {
        var logits = new float[tokenizer.VocabSize];
        constraint.Apply(logits);
        var allowed = 0;
        for (var token = 0; token < tokenizer.VocabSize; token++)
        {
            var masked = !float.IsNegativeInfinity(logits[token]);
            if (masked != constraint.IsAllowed(token))
                Assert.Fail($"token {token} ('{tokenizer.TokenText(token)}'): mask says {masked}, IsAllowed says {!masked}");
            if (masked) allowed++;
        }
        return allowed;
    }

    [Fact]
    public void EndOfGenerationOnlyWhenComplete_ControlTokensNever()
    {
        var tokenizer = TinyVocabulary.Create("a", "ab", "abc", "c");
        ITokenConstraint constraint = new GrammarConstraint(Grammar.Parse("root ::= \"ab\" | \"abc\""), tokenizer);
        var a = tokenizer.FindToken("a")!.Value;
        var ab = tokenizer.FindToken("ab")!.Value;
        var c = tokenizer.FindToken("c")!.Value;
        Assert.False(constraint.IsAllowed(TinyVocabulary.Eos));
        Assert.True(constraint.IsAllowed(ab));
        Assert.True(constraint.IsAllowed(a));
        Assert.True(constraint.IsAllowed(TinyVocabulary.ByteToken((byte)'a')));   // same bytes, another token
        Assert.False(constraint.IsAllowed(c));

        constraint.Accept(ab);
        Assert.True(constraint.IsComplete);
        Assert.True(constraint.IsAllowed(TinyVocabulary.Eos));
        Assert.True(constraint.IsAllowed(c));
        foreach (var never in new[] { TinyVocabulary.Unknown, TinyVocabulary.Bos, TinyVocabulary.Control, -1, tokenizer.VocabSize })
            Assert.False(constraint.IsAllowed(never));

        var logits = new float[tokenizer.VocabSize];
        constraint.Apply(logits);
        Assert.Equal([TinyVocabulary.Eos, TinyVocabulary.ByteToken((byte)'c'), c], Unbanned(logits).OrderBy(t => t));

        constraint.Accept(c);
        Assert.False(((GrammarConstraint)constraint).CanContinue);
        logits = new float[tokenizer.VocabSize];
        constraint.Apply(logits);
        Assert.Equal([TinyVocabulary.Eos], Unbanned(logits));
        constraint.Accept(TinyVocabulary.Eos);

        constraint.Reset();
        Assert.False(constraint.IsComplete);
        Assert.False(constraint.IsAllowed(TinyVocabulary.Eos));
    }

    [Fact]
    public void TokensThatCutACharacterApartAreFollowed()
    {
        var tokenizer = TinyVocabulary.Create("ひら");
        var constraint = new GrammarConstraint(Grammar.Parse("root ::= [ぁ-ゟ]+ \"。\""), tokenizer);
        var bytes = Encoding.UTF8.GetBytes("ひ");   // E3 81 B2
        Assert.False(constraint.IsAllowed(TinyVocabulary.ByteToken(0xE4)));   // a CJK ideograph starts this way
        foreach (var b in bytes)
        {
            Assert.False(constraint.IsAllowed(TinyVocabulary.Eos));
            Assert.True(constraint.IsAllowed(TinyVocabulary.ByteToken(b)));
            constraint.Accept(TinyVocabulary.ByteToken(b));
        }
        Assert.True(constraint.Matcher.CanAccept("ら"));
        constraint.Accept(tokenizer.FindToken("ひら")!.Value);
        foreach (var b in Encoding.UTF8.GetBytes("。")) constraint.Accept(TinyVocabulary.ByteToken(b));
        Assert.True(constraint.IsAllowed(TinyVocabulary.Eos));
        AssertMaskMatchesIsAllowed(constraint, tokenizer);
    }

    [Fact]
    public void RefusedTokensThrowAndChangeNothing()
    {
        var tokenizer = TinyVocabulary.Create("x", "y");
        var constraint = new GrammarConstraint(Grammar.Parse("root ::= \"x\"+"), tokenizer);
        var y = tokenizer.FindToken("y")!.Value;
        var error = Assert.Throws<InvalidOperationException>(() => constraint.Accept(y));
        Assert.Contains($"token {y} ('y') is not allowed", error.Message);
        Assert.Throws<InvalidOperationException>(() => constraint.Accept(TinyVocabulary.Eos));
        Assert.Throws<InvalidOperationException>(() => constraint.Accept(TinyVocabulary.Control));
        Assert.Equal(0, constraint.Matcher.BytesAccepted);
        constraint.Accept(tokenizer.FindToken("x")!.Value);
        Assert.True(constraint.IsComplete);
    }

    [Fact]
    public void LogitsBeyondTheVocabularyAreBanned()
    {
        var tokenizer = TinyVocabulary.Create("x");
        var constraint = new GrammarConstraint(Grammar.Parse("root ::= .*"), tokenizer);
        var logits = new float[tokenizer.VocabSize + 64];   // models often pad their output rows
        constraint.Apply(logits);
        Assert.All(logits.AsSpan(tokenizer.VocabSize).ToArray(), l => Assert.True(float.IsNegativeInfinity(l)));
        Assert.Contains(tokenizer.FindToken("x")!.Value, Unbanned(logits));
        Assert.Contains(TinyVocabulary.Eos, Unbanned(logits));
    }

    [Fact]
    public void QwenMaskAgreesWithIsAllowedInManyStates()
    {
        var tokenizer = SharedVocabularies.Vocab("qwen2.5-rebuilt");
        var schema = JsonSchemaGrammar.FromSchema(JsonNode.Parse("""
            {"type":"object","properties":{"名前":{"type":"string","maxLength":5},"n":{"type":"integer","minimum":-20,"maximum":300},
             "tags":{"type":"array","items":{"enum":["赤","blue"]}}},"required":["名前"]}
            """));
        var cases = new (Grammar Grammar, string Prefix)[]
        {
            (JsonGrammars.Object, ""),
            (JsonGrammars.Object, "{"),
            (JsonGrammars.Object, "{\"key\": \"ひらが"),
            (JsonGrammars.Object, "{\"a\": [1, {\"b\": null}, -2.5e"),
            (JsonGrammars.Object, "{\"a\": \"\\u00"),
            (JsonGrammars.Object, "{}"),
            (schema, ""),
            (schema, "{\"名前\": \"山"),
            (schema, "{\"名前\": \"山田\", \"n\": 2"),
            (schema, "{\"名前\": \"山田\", \"tags\": [\""),
        };
        foreach (var (grammar, prefix) in cases)
        {
            var constraint = new GrammarConstraint(grammar, tokenizer);
            constraint.Matcher.Accept(prefix);
            var allowed = AssertMaskMatchesIsAllowed(constraint, tokenizer);
            Assert.True(allowed > 0, $"nothing allowed after '{prefix}'");
            TestContext.Current.TestOutputHelper?.WriteLine($"after '{prefix}': {allowed} tokens allowed");
        }

        // Inside a character: the first byte of ひ (E3) has been accepted.
        var inside = new GrammarConstraint(JsonGrammars.Object, tokenizer);
        inside.Matcher.Accept("{\"k\": \""u8);
        inside.Matcher.Accept([0xE3]);
        Assert.True(AssertMaskMatchesIsAllowed(inside, tokenizer) > 0);
        Assert.False(inside.IsAllowed(tokenizer.FindToken("\"")!.Value));
    }

    [Fact]
    public void FullVocabularyMaskTiming()
    {
        var tokenizer = SharedVocabularies.Vocab("qwen2.5-rebuilt");
        var output = TestContext.Current.TestOutputHelper;
        foreach (var prefix in new[] { "{", "{\"name\": \"", "{\"name\": \"x\", \"list\": [1, 2, {\"deep\": " })
        {
            var logits = new float[tokenizer.VocabSize];
            var constraint = new GrammarConstraint(JsonGrammars.Object, tokenizer);
            foreach (var token in tokenizer.Encode(prefix, addSpecial: false)) constraint.Accept(token);
            var watch = Stopwatch.StartNew();
            constraint.Apply(logits);
            var first = watch.Elapsed.TotalMilliseconds;
            // Once more from the same state, with the mask cache bypassed, to time a walk over warm transitions.
            var bits = new ulong[(tokenizer.VocabSize + 63) / 64];
            var fresh = new GrammarConstraint(constraint.Matcher, tokenizer);
            watch.Restart();
            fresh.ComputeAllowed(bits);
            var warm = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            fresh.ComputeAllowed(bits);
            var cached = watch.Elapsed.TotalMilliseconds;
            var allowed = bits.Sum(w => System.Numerics.BitOperations.PopCount(w));
            Assert.Equal(Unbanned(logits).Count, allowed);
            output?.WriteLine($"{tokenizer.VocabSize}-token mask after '{prefix}': first {first:F2} ms, warm {warm:F2} ms, cached {cached:F3} ms ({allowed} allowed)");
        }
    }
}
