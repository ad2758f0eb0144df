using System.Text;
using Takase.Engine.Grammars;
using Takase.Engine.Grammars.Matching;
using Takase.Engine.Tokenizers;

namespace Takase.Engine.Tests.Grammars;

/// <summary>
/// Random generation through a grammar, as a sampler with random logits would do it: each step picks uniformly
/// among what the grammar allows. After a budget of steps the walk closes: it picks, among a sample of allowed
/// choices (always including every single-byte one), the one that leaves the fewest bytes to a complete text, so it
/// ends in a bounded number of steps (the fewest-remaining-bytes count strictly falls along a single-byte path).
/// </summary>
internal static class GrammarWalks
{
    /// <summary>Random bytes until the grammar is complete and the walk decides to stop.</summary>
    public static byte[] RandomBytes(Grammar grammar, Random random, int budget)
    {
        var matcher = grammar.CreateMatcher();
        var automaton = matcher.Automaton;
        var output = new List<byte>();
        var choices = new List<byte>();
        for (var step = 0; ; step++)
        {
            if (matcher.IsComplete && (!matcher.CanContinue || random.NextDouble() < 0.3 || step > budget)) break;
            choices.Clear();
            for (var b = 0; b < 256; b++)
                if (matcher.CanAccept([(byte)b])) choices.Add((byte)b);
            Assert.NotEmpty(choices);   // a live state always has a way forward
            var pick = step < budget
                ? choices[random.Next(choices.Count)]
                : choices.MinBy(b => automaton.MinRemainingBytes(automaton.Step(matcher.State, b)));
            matcher.Accept([pick]);
            output.Add(pick);
            Assert.True(step < budget + 100_000, "the closing walk did not end");
        }
        return output.ToArray();
    }

    /// <summary>Random tokens through <paramref name="constraint"/> until an end-of-generation token is chosen;
    /// returns the generated text.</summary>
    public static string RandomTokens(GrammarConstraint constraint, Tokenizer tokenizer, Random random, int budget)
    {
        constraint.Reset();
        var endOfGeneration = Enumerable.Range(0, tokenizer.VocabSize).Where(tokenizer.IsEndOfGeneration).ToArray();
        var singleBytes = Enumerable.Range(0, tokenizer.VocabSize).Where(t => tokenizer.TokenBytes(t).Length == 1).ToArray();
        var bits = new ulong[(tokenizer.VocabSize + 63) / 64];
        var text = new List<byte>();
        for (var step = 0; ; step++)
        {
            if (constraint.IsComplete && (!constraint.CanContinue || random.NextDouble() < 0.25 || step > budget))
            {
                var end = endOfGeneration[random.Next(endOfGeneration.Length)];
                Assert.True(constraint.IsAllowed(end), "an end-of-generation token must be allowed once the text is complete");
                constraint.Accept(end);
                return Encoding.UTF8.GetString(text.ToArray());
            }
            int token;
            if (step < budget) token = RandomAllowed(constraint, tokenizer, random, bits);
            else
            {
                var candidates = singleBytes.Where(constraint.IsAllowed).ToList();
                for (var i = 0; i < 64; i++) candidates.Add(RandomAllowed(constraint, tokenizer, random, bits));
                var automaton = constraint.Matcher.Automaton;
                token = candidates.Where(t => !tokenizer.IsEndOfGeneration(t))
                    .MinBy(t => automaton.MinRemainingBytes(automaton.Walk(constraint.Matcher.State, tokenizer.TokenBytes(t))));
            }
            if (tokenizer.IsEndOfGeneration(token)) continue;   // decided above, with its own probability
            constraint.Accept(token);
            text.AddRange(tokenizer.TokenBytes(token).ToArray());
            Assert.True(step < budget + 10_000, "the closing walk did not end");
        }
    }

    /// <summary>A token drawn uniformly from the allowed ones: by rejection when many are allowed (as a sampler's
    /// IsAllowed check would), from the full mask otherwise.</summary>
    private static int RandomAllowed(GrammarConstraint constraint, Tokenizer tokenizer, Random random, ulong[] bits)
    {
        for (var attempt = 0; attempt < 32; attempt++)
        {
            var token = random.Next(tokenizer.VocabSize);
            if (constraint.IsAllowed(token)) return token;
        }
        constraint.ComputeAllowed(bits);
        var allowed = new List<int>();
        for (var t = 0; t < tokenizer.VocabSize; t++)
            if ((bits[t >> 6] >> t & 1) != 0) allowed.Add(t);
        Assert.NotEmpty(allowed);
        return allowed[random.Next(allowed.Count)];
    }
}
