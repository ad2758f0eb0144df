using System.Runtime.CompilerServices;
using System.Text;
using Takase.Engine.Generation;
using Takase.Routing.Norms;
using Takase.Server.Inference;

namespace Takase.Server.Norms;

/// <summary>
/// A profile's output rules over an answer. A rule may match anywhere in the text — a regular expression across
/// sentences, a classifier on the whole answer — so the answer is held back until it is complete, then judged once:
/// let through as it came (pieces and log-probabilities intact), rewritten (one piece), or replaced by a Refuse rule's
/// message with reason "stop". A client therefore never receives text a Refuse rule would have stopped; a streamed
/// answer under output rules arrives as its pieces at the end. Profiles without output rules stream as usual.
/// </summary>
internal sealed class NormsOutput(NormsProfile profile, INormsClassifier? classifier, Action<NormsVerdict>? decided = null)
{
    /// <summary>The verdict, once the answer has been read (a pass until then).</summary>
    public NormsVerdict Verdict { get; private set; } = NormsVerdict.Pass("");

    /// <summary>
    /// Whether output rules judge the answer after this input verdict: a model's answer, yes (a Route's too); the
    /// norms' own refusal or a person's answer to an escalation, no.
    /// </summary>
    public static bool Judges(NormsVerdict input) => input.Action.Kind is not (NormsActionKind.Refuse or NormsActionKind.Escalate);

    /// <summary>Whether the profile has output rules to apply at all.</summary>
    public static bool Applies(NormsProfile? profile) => profile is { Output.Count: > 0 };

    /// <summary>The answer after the rules, read from <paramref name="pieces"/>.</summary>
    public async IAsyncEnumerable<InferenceChunk> ApplyAsync(IAsyncEnumerable<InferenceChunk> pieces, [EnumeratorCancellation] CancellationToken cancel)
    {
        var held = new List<InferenceChunk>();
        var text = new StringBuilder();
        await foreach (var piece in pieces.WithCancellation(cancel))
        {
            held.Add(piece);
            text.Append(piece.Content);
        }
        Verdict = await NormsEvaluation.EvaluateAsync(profile.Output, text.ToString(), classifier, cancel);
        decided?.Invoke(Verdict);
        switch (Verdict.Action.Kind)
        {
            case NormsActionKind.Refuse:
                yield return new InferenceChunk { Content = Verdict.Action.Message! };
                break;
            case NormsActionKind.Rewrite:
                yield return new InferenceChunk { Content = Verdict.Text, Thinking = string.Concat(held.Select(p => p.Thinking)) };
                break;
            default:
                foreach (var piece in held) yield return piece;
                break;
        }
    }

    /// <summary>The answer's result as the verdict leaves it: a refusal stops plainly and calls no tools.</summary>
    public InferenceResult? Result(InferenceResult? result) => result is not null && Verdict.Action.Kind == NormsActionKind.Refuse
        ? result with { Reason = DoneReason.Stop, ToolCalls = [] }
        : result;
}

/// <summary>A direct-model answer with a profile's output rules applied (<see cref="NormsOutput"/>).</summary>
internal sealed class NormsOutputSession(IAnswerSession inner, NormsOutput output) : IAnswerSession
{
    /// <inheritdoc />
    public string ModelName => inner.ModelName;
    /// <inheritdoc />
    public int PromptTokens => inner.PromptTokens;
    /// <inheritdoc />
    public InferenceResult? Result => output.Result(inner.Result);

    /// <inheritdoc />
    public async IAsyncEnumerable<InferenceChunk> ReadAsync([EnumeratorCancellation] CancellationToken cancel = default)
    {
        await foreach (var piece in output.ApplyAsync(inner.ReadAsync(cancel), cancel)) yield return piece;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
