using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Takase.Server.Inference;

namespace Takase.Server.OpenAI;

/// <summary>POST /v1/embeddings: L2-normalised vectors of each input, as floats or base64.</summary>
internal static class EmbeddingsEndpoint
{
    /// <summary>Most inputs one request may send (OpenAI's limit).</summary>
    public const int MaxInputs = 2048;

    public static async Task HandleAsync(HttpContext context, InferenceService inference)
    {
        var cancel = context.RequestAborted;
        var request = await OpenAiJson.ReadBodyAsync<CreateEmbeddingRequest>(context.Request, cancel);
        if (string.IsNullOrWhiteSpace(request.Model))
            throw new OpenAiRequestException("You must provide a model parameter.", "model");
        var base64 = request.EncodingFormat switch
        {
            null or "float" => false,
            "base64" => true,
            _ => throw new OpenAiRequestException(
                $"Invalid value for 'encoding_format': '{request.EncodingFormat}'. Supported values are: 'float' and 'base64'.", "encoding_format"),
        };
        if (request.Dimensions is < 1)
            throw new OpenAiRequestException($"Invalid 'dimensions': expected a value of at least 1, but got {request.Dimensions} instead.", "dimensions");
        var (texts, tokens) = Inputs(request.Input);

        EmbedResult result;
        try
        {
            result = await inference.EmbedAsync(new EmbedCall
            {
                Model = request.Model,
                Inputs = texts,
                TokenInputs = tokens,
                Dimensions = request.Dimensions,
                Truncate = false, // OpenAI refuses inputs longer than the model's context rather than cutting them
            }, cancel);
        }
        catch (ArgumentException e) when (e.Message.StartsWith("dimensions", StringComparison.Ordinal))
        {
            throw new OpenAiRequestException(e.Message, "dimensions");
        }
        await context.Response.WriteAsJsonAsync(new CreateEmbeddingResponse
        {
            Data = [.. result.Embeddings.Select((v, i) => new Embedding { Index = i, Vector = base64 ? Base64(v) : v })],
            Model = result.Model,
            Usage = new EmbeddingUsage { PromptTokens = result.PromptTokens },
        }, OpenAiJson.Options, cancel);
    }

    /// <summary>The inputs: texts, or token id arrays embedded as they are (not re-tokenized).</summary>
    private static (List<string> Texts, List<IReadOnlyList<int>>? Tokens) Inputs(JsonElement? input)
    {
        if (input is not { } i || i.ValueKind == JsonValueKind.Null)
            throw new OpenAiRequestException("Missing required parameter: 'input'.", "input");
        if (i.ValueKind == JsonValueKind.String) return ([NonEmpty(i.GetString()!, "input")], null);
        if (i.ValueKind != JsonValueKind.Array)
            throw new OpenAiRequestException(
                $"Invalid type for 'input': expected a string, an array of strings, an array of token ids or an array of token id arrays, but got {OpenAiJson.Describe(i)} instead.", "input");
        var count = i.GetArrayLength();
        if (count == 0) throw new OpenAiRequestException("Invalid 'input': empty array. Expected at least one input.", "input");
        if (count > MaxInputs) throw new OpenAiRequestException($"Invalid 'input': at most {MaxInputs} inputs per request, but got {count}.", "input");
        var first = i[0].ValueKind;
        if (first == JsonValueKind.Number) return ([], [CompletionMapping.Tokens(i, "input")]);
        var texts = new List<string>();
        var tokens = new List<IReadOnlyList<int>>();
        var k = 0;
        foreach (var item in i.EnumerateArray())
        {
            var param = $"input[{k++}]";
            if (item.ValueKind == JsonValueKind.String && first == JsonValueKind.String) texts.Add(NonEmpty(item.GetString()!, param));
            else if (item.ValueKind == JsonValueKind.Array && first == JsonValueKind.Array) tokens.Add(CompletionMapping.Tokens(item, param));
            else
                throw new OpenAiRequestException(
                    $"Invalid type for '{param}': the inputs of one request are all strings or all token id arrays, but got {OpenAiJson.Describe(item)}.", param);
        }
        return (texts, first == JsonValueKind.Array ? tokens : null);
    }

    private static string NonEmpty(string text, string param) => text.Length > 0 ? text
        : throw new OpenAiRequestException($"Invalid '{param}': an empty string cannot be embedded.", param);

    /// <summary>The vector's float32s, little-endian, in base64: what the OpenAI SDKs decode.</summary>
    private static string Base64(float[] vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
        return Convert.ToBase64String(bytes);
    }
}
