using System.Text.Json.Nodes;
using Takase.Cli.Commands;

namespace Takase.Cli.Tests;

/// <summary>
/// The interactive loop driven directly (a TextReader in, TextWriters out) against a backend that records what it
/// was asked: commands, their wording (Ollama's cmd/interactive.go), typed parameters and multi-line input.
/// </summary>
public class InteractiveSessionTests
{
    private sealed class RecordingBackend : IInteractiveBackend
    {
        public List<(string Model, InteractiveMessage[] Messages, JsonObject Options, string? Format, bool? Think)> Chats { get; } = [];
        public List<(string Name, string Model, string? System, JsonObject Options, InteractiveMessage[] Messages)> Saves { get; } = [];
        public HashSet<string> Models { get; } = ["m1", "m2"];
        public int Resets { get; private set; }

        public string Greeting => "greeting";

        public Task<string> ChatAsync(InteractiveState state, TextWriter output, TextWriter error, CancellationToken cancel)
        {
            Chats.Add((state.Model, [.. state.Messages], state.Options.DeepClone().AsObject(), state.Format, state.Think));
            var answer = $"answer {Chats.Count}";
            output.Write(answer);
            return Task.FromResult(answer);
        }

        public Task<JsonObject> ShowAsync(InteractiveState state, CancellationToken cancel) => Task.FromResult(new JsonObject
        {
            ["parameters"] = "stop                           \"</s>\"",
            ["template"] = "{{ .Prompt }}",
            ["system"] = "model system",
            ["license"] = "",
            ["modelfile"] = $"FROM {state.Model}",
            ["details"] = new JsonObject { ["family"] = "llama", ["parameter_size"] = "260K", ["quantization_level"] = "F32" },
            ["model_info"] = new JsonObject { ["general.architecture"] = "llama", ["llama.context_length"] = 512 },
            ["capabilities"] = new JsonArray("completion"),
        });

        public Task<bool> LoadAsync(string model, CancellationToken cancel) => Task.FromResult(Models.Contains(model));

        public Task SaveAsync(string name, InteractiveState state, CancellationToken cancel)
        {
            Saves.Add((name, state.Model, state.System, state.Options.DeepClone().AsObject(), [.. state.Messages]));
            return Task.CompletedTask;
        }

        public void Reset() => Resets++;
    }

    private static (string Out, string Err, RecordingBackend Backend, InteractiveState State, int Exit) Run(string input)
    {
        var backend = new RecordingBackend();
        var state = new InteractiveState { Model = "m1" };
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var exit = new InteractiveSession(backend, state, new StringReader(input), output, error).RunAsync(CancellationToken.None).GetAwaiter().GetResult();
        return (output.ToString(), error.ToString(), backend, state, exit);
    }

    [Fact]
    public void ALineIsAUserTurnAndTheAnswerJoinsTheConversation()
    {
        var r = Run("hello\nagain\n/bye\nnever read\n");
        Assert.Equal(0, r.Exit);
        Assert.Equal("answer 1\nanswer 2\n", r.Out);
        Assert.Equal(2, r.Backend.Chats.Count);
        Assert.Equal([new("user", "hello"), new("assistant", "answer 1"), new("user", "again")], r.Backend.Chats[1].Messages);
        Assert.StartsWith("greeting\n>>> ", r.Err);
    }

    [Fact]
    public void SetParameterStoresTypedValuesAndStopAsAList()
    {
        var r = Run("/set parameter temperature 0.25\n/set parameter seed 42\n/set parameter num_ctx 1024\n/set parameter stop <end> ###\nhi\n");
        Assert.Contains("Set parameter 'temperature' to '0.25'\n", r.Out);
        Assert.Contains("Set parameter 'stop' to '<end>, ###'\n", r.Out);
        var options = r.Backend.Chats.Single().Options;
        Assert.Equal(0.25, (double)options["temperature"]!, 6);
        Assert.Equal(42L, (long)options["seed"]!);
        Assert.Equal(1024L, (long)options["num_ctx"]!);
        Assert.Equal(["<end>", "###"], options["stop"]!.AsArray().Select(x => (string)x!));
        Assert.Equal(System.Text.Json.JsonValueKind.Number, options["seed"]!.GetValueKind());
    }

    [Fact]
    public void SetParameterRefusesWrongTypesAndUnknownNames()
    {
        var r = Run("/set parameter top_k many\n/set parameter warp 9\n/set parameter\n");
        Assert.Contains("Couldn't set parameter: \"top_k takes a whole number (e.g. 4096), not \"many\"\"\n", r.Out);
        Assert.Contains("Couldn't set parameter: \"unknown parameter 'warp'\"\n", r.Out);
        Assert.Contains("Available Parameters:", r.Err);
        Assert.Empty(r.State.Options);
    }

    [Fact]
    public void UnknownCommandsSayHowToGetHelp()
    {
        var r = Run("/x\n/set foo\n/show bar\n");
        Assert.Equal("Unknown command '/x'. Type /? for help\nUnknown command '/set foo'. Type /? for help\nUnknown command '/show bar'. Type /? for help\n\n", r.Out);
        Assert.Empty(r.Backend.Chats);
    }

    [Fact]
    public void HelpListsTheCommands()
    {
        var r = Run("/?\n/help show\n/? set\n");
        Assert.Contains("  /set            Set session variables", r.Err);
        Assert.Contains("  /save <model>   Save your current session", r.Err);
        Assert.Contains("  /show modelfile    Show Modelfile for this model", r.Err);
        Assert.Contains("  /set format json       Enable JSON mode", r.Err);
    }

    [Fact]
    public void TripleQuotesSpanLines()
    {
        var r = Run("\"\"\"first line\nsecond line\nlast\"\"\"\n\"\"\"one line\"\"\"\n");
        Assert.Equal("first line\nsecond line\nlast", r.Backend.Chats[0].Messages[^1].Content);
        Assert.Equal("one line", r.Backend.Chats[1].Messages[^1].Content);
        Assert.Contains("... ", r.Err);
    }

    [Fact]
    public void SetSystemAddsOrReplacesTheSystemMessageAndClearKeepsIt()
    {
        var r = Run("/set system You are terse.\n/set system \"\"\"Be\nbrief.\"\"\"\nhi\n/clear\nagain\n");
        Assert.Equal("Set system message.\nSet system message.\n", r.Out[..("Set system message.\n".Length * 2)]);
        Assert.Equal([new("system", "Be\nbrief."), new("user", "hi")], r.Backend.Chats[0].Messages);
        Assert.Contains("Cleared session context\n", r.Out);
        Assert.Equal([new("system", "Be\nbrief."), new("user", "again")], r.Backend.Chats[1].Messages);
        Assert.Equal(1, r.Backend.Resets);
    }

    [Fact]
    public void ModesAndFormatAreSessionSwitches()
    {
        var r = Run("/set verbose\n/set quiet\n/set format json\n/set nothink\n/set wordwrap\n/set format yaml\nhi\n");
        Assert.Equal("Set 'verbose' mode.\nSet 'quiet' mode.\nSet format to 'json' mode.\nSet 'nothink' mode.\nSet 'wordwrap' mode.\n"
                     + "Invalid or missing format. For 'json' mode use '/set format json'\nanswer 1\n\n", r.Out);
        Assert.Equal("json", r.Backend.Chats[0].Format);
        Assert.False(r.Backend.Chats[0].Think);
        Assert.False(r.State.Verbose);
    }

    [Fact]
    public void LoadSwitchesModelKeepsParametersAndStartsANewConversation()
    {
        var r = Run("/set parameter temperature 0\nhi\n/load nope\n/load m2\nhello\n/load\n");
        Assert.Contains("Loading model 'nope'\nCouldn't find model 'nope'\n", r.Out);
        Assert.Contains("Loading model 'm2'\n", r.Out);
        Assert.Contains("Usage:\n  /load <modelname>\n", r.Out);
        var last = r.Backend.Chats[^1];
        Assert.Equal("m2", last.Model);
        Assert.Equal([new("user", "hello")], last.Messages);
        Assert.Equal(0.0, (double)last.Options["temperature"]!);
    }

    [Fact]
    public void SaveHandsTheSessionToTheBackend()
    {
        var r = Run("/set system Be kind.\n/set parameter top_k 7\nhi\n/save kind-model\n/save\n");
        Assert.Contains("Created new model 'kind-model'\n", r.Out);
        Assert.Contains("Usage:\n  /save <modelname>\n", r.Out);
        var save = Assert.Single(r.Backend.Saves);
        Assert.Equal(("kind-model", "m1", "Be kind."), (save.Name, save.Model, save.System));
        Assert.Equal(7L, (long)save.Options["top_k"]!);
        Assert.Equal([new("system", "Be kind."), new("user", "hi"), new("assistant", "answer 1")], save.Messages);
    }

    [Fact]
    public void ShowAnswersFromTheModelAndTheSession()
    {
        var r = Run("/show parameters\n/set parameter seed 3\n/show parameters\n/show system\n/set system mine\n/show system\n/show template\n/show license\n/show modelfile\n/show info\n/show\n");
        Assert.Contains("Model defined parameters:\n  stop                           \"</s>\"\n\n", r.Out);
        Assert.Contains("User defined parameters:\n  seed                           3\n\n", r.Out);
        Assert.Contains("model system\n\n", r.Out);
        Assert.Contains("mine\n\n", r.Out);
        Assert.Contains("{{ .Prompt }}\n", r.Out);
        Assert.Contains("No license was specified for this model.\n", r.Out);
        Assert.Contains("FROM m1\n", r.Out);
        Assert.Matches(@"  Model\n    architecture\s+llama\n    parameters\s+260K\n    context length\s+512\n    quantization\s+F32\n", r.Err);
        Assert.Contains("  /show info         Show details for this model", r.Err);
    }

    [Fact]
    public void EndOfInputEndsTheSession()
    {
        var r = Run("hi");
        Assert.Equal(0, r.Exit);
        Assert.Equal("answer 1\n\n", r.Out);
    }
}
