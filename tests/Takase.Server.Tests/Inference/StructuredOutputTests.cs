using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Takase.Engine.Generation;
using Takase.Engine.Sampling;
using Takase.Engine.Templates;
using Takase.Server.Inference;
using Takase.Server.Tests.Support;

namespace Takase.Server.Tests.Inference;

/// <summary>
/// Constrained decoding through the whole inference path: even models whose free output is noise (random weights,
/// a 512-token story model) must produce text that parses and validates.
/// </summary>
[Collection("server")]
public class StructuredOutputTests(LiveServer server)
{
    private static readonly JsonNode Schema = JsonNode.Parse("""
        {"type": "object",
         "properties": {"ok": {"type": "boolean"}, "color": {"enum": ["red", "green", "青"]},
                        "n": {"type": "integer", "minimum": 0, "maximum": 99}},
         "required": ["ok", "color", "n"], "additionalProperties": false}
        """)!;

    private async Task<string> Answer(string model, OutputFormat format, long seed)
    {
        var service = server.Services.GetRequiredService<InferenceService>();
        var options = new GenerationOptions { Sampling = new SamplingOptions { Temperature = 1, Seed = seed }, MaxTokens = 300 };
        await using var session = await service.ChatAsync(new ChatCall
        {
            Model = model,
            Messages = [new ChatMessage("user", "Describe the weather as JSON.")],
            Options = options,
            Format = format,
        }, TestContext.Current.CancellationToken);
        var text = new StringBuilder();
        await foreach (var chunk in session.ReadAsync(TestContext.Current.CancellationToken)) text.Append(chunk.Content);
        Assert.Equal(DoneReason.Stop, session.Result!.Reason); // the grammar completed: not cut off by the limit
        return text.ToString();
    }

    [Theory]
    [InlineData("tiny-chat", 1)]
    [InlineData("tiny-chat", 2)]
    [InlineData("stories260K", 3)]
    public async Task SchemaConstrainedOutputParsesAndValidates(string model, long seed)
    {
        server.RequireModels();
        var text = await Answer(model, new OutputFormat.JsonSchema(Schema), seed);
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.Equal(3, root.EnumerateObject().Count());
        Assert.True(root.GetProperty("ok").ValueKind is JsonValueKind.True or JsonValueKind.False);
        Assert.Contains(root.GetProperty("color").GetString(), new[] { "red", "green", "青" });
        Assert.InRange(root.GetProperty("n").GetInt32(), 0, 99);
    }

    [Fact]
    public async Task JsonModeGivesAnObject()
    {
        server.RequireModels();
        // Free-form JSON may run long with a random model; the grammar still keeps every prefix valid, and a
        // complete answer must parse as an object.
        var service = server.Services.GetRequiredService<InferenceService>();
        await using var session = await service.ChatAsync(new ChatCall
        {
            Model = "tiny-chat",
            Messages = [new ChatMessage("user", "JSON please")],
            Options = new GenerationOptions { Sampling = new SamplingOptions { Temperature = 0.7f, Seed = 5 }, MaxTokens = 400 },
            Format = new OutputFormat.Json(),
        }, TestContext.Current.CancellationToken);
        var text = new StringBuilder();
        await foreach (var chunk in session.ReadAsync(TestContext.Current.CancellationToken)) text.Append(chunk.Content);
        var s = text.ToString().TrimStart();
        Assert.StartsWith("{", s);
        if (session.Result!.Reason == DoneReason.Stop) Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(s).RootElement.ValueKind);
    }

    [Fact]
    public async Task AnUnsupportedSchemaIsAClearArgumentError()
    {
        server.RequireModels();
        var bad = JsonNode.Parse("""{"type": "object", "properties": {"x": {"type": "string", "contentEncoding": "base64", "if": {"type": "string"}}}}""")!;
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Answer("tiny-chat", new OutputFormat.JsonSchema(bad), 1));
    }
}
