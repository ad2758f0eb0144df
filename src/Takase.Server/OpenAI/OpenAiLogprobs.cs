using System.Text;
using Takase.Server.Inference;

namespace Takase.Server.OpenAI;

/// <summary>The engine's per-token log-probabilities in OpenAI's two shapes: chat's list of token objects and the
/// legacy completions' parallel arrays.</summary>
internal static class OpenAiLogprobs
{
    /// <summary>Chat: {token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]} per token.</summary>
    public static List<ChatCompletionTokenLogprob> ForChat(IEnumerable<TokenLogprobEntry> entries) =>
        [.. entries.Select(e => new ChatCompletionTokenLogprob
        {
            Token = e.Token,
            Logprob = OpenAiApi.Finite(e.Logprob),
            Bytes = Bytes(e.Token),
            TopLogprobs = [.. e.TopLogprobs.Select(t => new TopLogprob { Token = t.Text, Logprob = OpenAiApi.Finite(t.Logprob), Bytes = Bytes(t.Text) })],
        })];

    /// <summary>
    /// Completions: appends tokens, token_logprobs, top_logprobs (token → logprob; of alternatives that decode to the
    /// same text the likelier one) and text_offset (where each token starts in the choice's text).
    /// </summary>
    public static void AppendForCompletion(CompletionLogprobs target, IEnumerable<TokenLogprobEntry> entries, ref int offset)
    {
        foreach (var e in entries)
        {
            target.Tokens.Add(e.Token);
            target.TokenLogprobs.Add(OpenAiApi.Finite(e.Logprob));
            var top = new Dictionary<string, float>();
            foreach (var t in e.TopLogprobs.OrderByDescending(t => t.Logprob)) top.TryAdd(t.Text, OpenAiApi.Finite(t.Logprob));
            target.TopLogprobs.Add(top);
            target.TextOffset.Add(offset);
            offset += e.Token.Length;
        }
    }

    private static int[] Bytes(string token) => [.. Encoding.UTF8.GetBytes(token).Select(b => (int)b)];
}
