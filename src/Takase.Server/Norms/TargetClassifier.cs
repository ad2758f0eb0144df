using System.Text;
using Takase.Engine.Sampling;
using Takase.Engine.Templates;
using Takase.Routing;
using Takase.Routing.Norms;
using Takase.Routing.Remote;
using Takase.Routing.Targets;
using Takase.Server.Inference;
using Takase.Server.Routing;

namespace Takase.Server.Norms;

/// <summary>
/// Classifier rules through the router's targets: a local model by the inference service, a remote one by its
/// OpenAI-compatible client. The target gets a system message listing the labels and the text as the user message,
/// greedy and short, and its answer's first word is the label.
/// </summary>
internal sealed class TargetClassifier(RouterHost? host, InferenceService inference) : INormsClassifier
{
    /// <summary>The most tokens a label may take.</summary>
    private const int LabelTokens = 16;

    /// <inheritdoc />
    public async Task<string> LabelAsync(string target, string text, IReadOnlyList<string> labels, CancellationToken cancel)
    {
        if (host is null || !host.Setup.Targets.TryGetValue(target, out var definition))
            throw new RoutingException($"the norms classifier target '{target}' is not one of Takase:Router:Targets");
        var instruction = $"Label the user's text with exactly one of these labels: {string.Join(", ", labels)}. Answer with the label only.";
        string answer;
        if (definition.Kind == TargetKind.Remote)
        {
            var reply = await host.RemoteClient(definition).ChatAsync(new RemoteChatCall
            {
                Messages = [new RemoteMessage("system", instruction), new RemoteMessage("user", text)],
                Temperature = 0,
                MaxTokens = LabelTokens,
            }, cancel);
            answer = reply.Content;
        }
        else if (definition.Kind == TargetKind.Local)
        {
            await using var session = await inference.ChatAsync(new ChatCall
            {
                Model = string.IsNullOrEmpty(definition.Model) ? definition.Name : definition.Model,
                Messages = [new ChatMessage("system", instruction), new ChatMessage("user", text)],
                Options = new() { MaxTokens = LabelTokens, Sampling = new SamplingOptions { Temperature = 0 } },
            }, cancel);
            var content = new StringBuilder();
            await foreach (var piece in session.ReadAsync(cancel)) content.Append(piece.Content);
            answer = content.ToString();
        }
        else
        {
            throw new RoutingException($"the norms classifier target '{target}' is a person; a classifier must be a local or remote model");
        }
        return LabelOf(answer);
    }

    /// <summary>The first word of an answer, without quotes or closing punctuation ("\"Unsafe.\"" → "Unsafe").</summary>
    internal static string LabelOf(string answer)
    {
        var word = answer.Trim().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        return word.Trim('"', '\'', '.', ',', ':', ';', '!', '`', '*');
    }
}
