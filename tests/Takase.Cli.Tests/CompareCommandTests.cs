using System.Text;
using System.Text.Json.Nodes;
using Spectre.Console;
using Takase.Cli.Commands;
using Takase.Engine;
using Takase.Engine.Generation;
using Takase.Engine.Sampling;
using Takase.Engine.Templates;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>
/// `takase compare` on real models: a tiny chat model (its template) beside stories260K (plain completion), each column
/// checked against the engine run alone with the same options and seed.
/// </summary>
public class CompareCommandTests
{
    private const string Prompt = "Once upon a time";

    /// <summary>What the engine alone answers for <paramref name="path"/> with compare's defaults (seed 42, sampling on
    /// unless <paramref name="temperature"/> is 0).</summary>
    private static (string Text, int PromptTokens, int Tokens) Alone(string path, string prompt, int maxTokens, float temperature = 0.8f)
    {
        using var lm = LanguageModel.Load(path);
        var generator = new Generator(lm.Model, lm.Tokenizer);
        var tokens = lm.ChatTemplate is not null ? lm.TokenizeChat([new ChatMessage("user", prompt)]) : lm.TokenizePrompt(prompt);
        var options = new GenerationOptions { Sampling = new SamplingOptions { Seed = CompareCommand.DefaultSeed, Temperature = temperature }, MaxTokens = maxTokens };
        var text = string.Concat(generator.Generate(tokens, options));
        return (text, generator.LastStats!.PromptTokens, generator.LastStats.GeneratedTokens);
    }

    private static JsonNode Json(TakaseProcess.Result r) => JsonNode.Parse(r.StdOut) ?? throw new InvalidOperationException("no JSON: " + r.StdErr);

    [Fact]
    public void Each_column_is_what_the_model_answers_alone_and_the_same_seed_gives_the_same_answers()
    {
        var chat = TinyChatModel.Path;
        var stories = SharedData.Path("models/stories260K.gguf");
        var first = TakaseProcess.Run(null, "compare", chat, stories, "-p", Prompt, "-n", "16", "--json");
        Assert.True(first.ExitCode == 0, first.StdErr);
        var doc = Json(first);

        Assert.Equal(42, (long)doc["options"]!["seed"]!);
        Assert.Equal(["local", "local"], doc["models"]!.AsArray().Select(m => (string)m!["kind"]!));
        var answers = doc["prompts"]![0]!["answers"]!.AsArray();
        Assert.Equal(2, answers.Count);
        foreach (var (answer, path) in answers.Zip([chat, stories]))
        {
            var alone = Alone(path, Prompt, 16);
            Assert.Equal(path, (string)answer!["model"]!);
            Assert.True((bool)answer["ok"]!);
            Assert.Equal(alone.Text, (string)answer["text"]!);
            Assert.Equal(alone.PromptTokens, (int)answer["prompt_tokens"]!);
            Assert.Equal(alone.Tokens, (int)answer["tokens"]!);
            Assert.True((double)answer["tokens_per_second"]! > 0);
            Assert.True((double)answer["total_ms"]! >= (double)answer["eval_ms"]!);
        }
        Assert.Equal(16, (int)answers[1]!["tokens"]!); // stories never stops on its own within 16 tokens
        Assert.Equal("length", (string)answers[1]!["done_reason"]!);

        var again = Json(TakaseProcess.Run(null, "compare", chat, stories, "-p", Prompt, "-n", "16", "--json"));
        Assert.Equal(answers.Select(a => (string)a!["text"]!), again["prompts"]![0]!["answers"]!.AsArray().Select(a => (string)a!["text"]!));
    }

    [Fact]
    public async Task A_system_message_reaches_the_chat_template()
    {
        var chat = TinyChatModel.Path;
        var settings = new CompareSettings(0, 40, 0.9f, 0, 1.1f, 42, 4, null, "You answer in one word.", false);
        var comparison = await CompareCommand.Run([chat], [new ComparePrompt("1", Prompt)], settings, null, TestContext.Current.CancellationToken);

        using var lm = LanguageModel.Load(chat);
        var expected = lm.TokenizeChat([new ChatMessage("system", "You answer in one word."), new ChatMessage("user", Prompt)]);
        var withoutSystem = lm.TokenizeChat([new ChatMessage("user", Prompt)]);
        var answer = comparison.ByModel[0][0];
        Assert.Null(answer.Error);
        Assert.Equal(expected.Length, answer.Stats.PromptTokens);
        Assert.NotEqual(withoutSystem.Length, answer.Stats.PromptTokens);
    }

    [Fact]
    public async Task A_prompt_that_fails_mid_run_is_reported_and_the_next_prompt_still_runs()
    {
        var stories = SharedData.Path("models/stories260K.gguf");
        var settings = new CompareSettings(0, 40, 0.9f, 0, 1.1f, 42, 8, 16, null, false);
        var longPrompt = new ComparePrompt("long", "Once upon a time there was a little girl named Lily who loved to play outside in the big green park");
        var comparison = await CompareCommand.Run([stories], [longPrompt, new ComparePrompt("short", "The cat")], settings, null,
            TestContext.Current.CancellationToken);

        var (failed, answered) = (comparison.ByModel[0][0], comparison.ByModel[0][1]);
        Assert.NotNull(failed.Error);
        Assert.Contains("16", failed.Error); // the context it did not fit
        Assert.Null(answered.Error);
        Assert.Equal(Alone(stories, "The cat", 8, temperature: 0).Text, answered.Text);
    }

    [Fact]
    public void A_missing_model_fails_in_its_column_while_the_other_is_answered()
    {
        var stories = SharedData.Path("models/stories260K.gguf");
        using var dir = new TempDir();
        var missing = dir.File("absent.gguf");
        var r = TakaseProcess.Run(null, "compare", missing, stories, "-p", Prompt, "-p", "The cat", "-n", "8", "--temperature", "0");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"Error: model {missing}: no such file {missing}", r.StdErr);
        Assert.DoesNotContain("   at ", r.StdErr);
        Assert.Equal(2, r.StdOut.Split("FAILED: no such file").Length - 1);
        Assert.Contains(Alone(stories, Prompt, 8, temperature: 0).Text.Trim(), r.StdOut);
        Assert.Contains(Alone(stories, "The cat", 8, temperature: 0).Text.Trim(), r.StdOut);
        Assert.Contains("8 tokens · 5 prompt tokens", r.StdOut);
        Assert.Contains("8 tokens · 4 prompt tokens", r.StdOut);
        Assert.Matches(@"absent\.gguf\s+local\s+0\s+2\s", r.StdOut);
        Assert.Matches(@"stories260K\.gguf\s+local\s+2\s+0\s+9\s+16\s", r.StdOut);
    }

    [Fact]
    public void Markdown_report_has_a_table_per_prompt_the_answers_in_full_and_a_summary()
    {
        var stories = SharedData.Path("models/stories260K.gguf");
        var q8 = SharedData.Path("models/stories260K-Q8_0.gguf");
        using var dir = new TempDir();
        var prompts = dir.File("prompts.jsonl");
        File.WriteAllText(prompts, "{\"id\": \"story\", \"prompt\": \"Once upon a time\"}\n\nThe cat\n");
        var report = dir.File("report.md");
        var r = TakaseProcess.Run(null, "compare", stories, q8, "--prompts", prompts, "-n", "12", "--temperature", "0", "--markdown", report, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var doc = Json(r);
        Assert.Equal(["story", "2"], doc["prompts"]!.AsArray().Select(p => (string)p!["id"]!));

        var md = File.ReadAllText(report);
        Assert.StartsWith("# takase compare\n", md);
        Assert.Contains("Options: seed 42, temperature 0,", md);
        Assert.Contains("## Prompt story\n\n```text\nOnce upon a time\n```\n", md);
        Assert.Contains("## Prompt 2\n\n```text\nThe cat\n```\n", md);
        Assert.Equal(2, md.Split("| model | tokens | prompt tokens | tokens/s | total | route |").Length - 1);
        foreach (var prompt in doc["prompts"]!.AsArray())
            foreach (var answer in prompt!["answers"]!.AsArray())
            {
                Assert.Contains($"### {(string)answer!["model"]!}\n\n```text\n{(string)answer["text"]!}\n```\n", md);
                Assert.Contains($"| {(string)answer["model"]!} | 12 | {(int)answer["prompt_tokens"]!} |", md);
            }
        Assert.Contains($"| {stories} | local | 2 | 0 | 9 | 24 |", md);
        Assert.Contains($"| {q8} | local | 2 | 0 | 9 | 24 |", md);
    }

    [Fact]
    public void A_bad_prompts_line_names_the_file_and_line()
    {
        using var dir = new TempDir();
        var file = dir.File("prompts.jsonl");
        File.WriteAllText(file, "first prompt\n{\"prompt\": \"ok\", \"id\": 7}\n{\"prompt\": 3}\n");
        var e = Assert.Throws<InvalidDataException>(() => ComparePrompts.Read([], file));
        Assert.Equal($"{file}:3: \"prompt\" must be a string", e.Message);

        File.WriteAllText(file, "{\"prompt\": \"a\"\n");
        Assert.StartsWith($"{file}:1: not valid JSON", Assert.Throws<InvalidDataException>(() => ComparePrompts.Read([], file)).Message);

        File.WriteAllText(file, "plain\n{\"prompt\": \"multi\\nline\", \"id\": 7}\n");
        var read = ComparePrompts.Read(["from -p"], file);
        Assert.Equal([new ComparePrompt("1", "from -p"), new ComparePrompt("2", "plain"), new ComparePrompt("7", "multi\nline")], read);

        var r = TakaseProcess.Run(null, "compare", "whatever.gguf", "--prompts", dir.File("none.txt"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("none.txt not found", r.StdErr);
    }

    [Fact]
    public async Task A_narrow_terminal_prints_the_answers_one_after_another()
    {
        var stories = SharedData.Path("models/stories260K.gguf");
        var q8 = SharedData.Path("models/stories260K-Q8_0.gguf");
        var settings = new CompareSettings(0, 40, 0.9f, 0, 1.1f, 42, 6, null, null, false);
        var comparison = await CompareCommand.Run([stories, q8], [new ComparePrompt("1", Prompt)], settings, null, TestContext.Current.CancellationToken);

        string Render(int width)
        {
            var text = new StringWriter();
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
            console.Profile.Width = width;
            CompareReport.WriteTables(comparison, console);
            return text.ToString();
        }
        var narrow = Render(40);
        Assert.DoesNotContain("╭", narrow);
        var answer = comparison.ByModel[0][0].Text;
        Assert.True(narrow.IndexOf("stories260K.gguf", StringComparison.Ordinal) < narrow.IndexOf("stories260K-Q8_0.gguf", StringComparison.Ordinal));
        Assert.Contains("6 tokens", narrow);
        var wide = Render(160);
        Assert.Contains("╭", wide);
        Assert.Contains(answer.Trim(), wide);
    }
}

/// <summary>
/// `takase compare` through a real `takase serve` whose router has a profile "auto" over one local target ("small",
/// the library's stories260K-Q8_0): a library model, the profile and a name the server does not know, side by side.
/// </summary>
public sealed class CompareServerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly System.Diagnostics.Process? _server;
    private readonly string _host = "";

    public CompareServerTests()
    {
        if (SharedData.RootOrNull is null) return;
        File.CreateSymbolicLink(_dir.File("stories260K-Q8_0.gguf"), SharedData.Path("models/stories260K-Q8_0.gguf"));
        (_server, _host) = ServeProcess.Start(_dir.Path, new Dictionary<string, string>
        {
            ["TAKASE_HOME"] = Path.Combine(_dir.Path, "home"),
            ["TAKASE__Router__Targets__small__Model"] = "stories260K-Q8_0",
            ["TAKASE__Router__Profiles__auto__Candidates__0"] = "small",
        });
    }

    public void Dispose()
    {
        if (_server is { HasExited: false }) _server.Kill(entireProcessTree: true);
        _server?.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void A_router_profile_reports_the_target_it_chose_beside_the_library_model()
    {
        var local = SharedData.Path("models/stories260K-Q8_0.gguf");
        var args = new[] { "compare", "stories260K-Q8_0", "auto", "no-such-model", local, "--server", _host, "-p", "Once upon a time", "-n", "10", "--temperature", "0" };
        var r = TakaseProcess.Run(null, [.. args, "--json"]);

        Assert.Equal(1, r.ExitCode); // the unknown name
        var answers = JsonNode.Parse(r.StdOut)!["prompts"]![0]!["answers"]!.AsArray();
        Assert.Equal(["server", "server", "server", "local"], JsonNode.Parse(r.StdOut)!["models"]!.AsArray().Select(m => (string)m!["kind"]!));
        var (library, routed, unknown, inProcess) = (answers[0]!, answers[1]!, answers[2]!, answers[3]!);
        Assert.True((bool)library["ok"]!, r.StdErr);
        Assert.Null(library["route"]);
        Assert.Equal("small", (string)routed["route"]!["chosen"]!);
        Assert.Equal("small", (string)routed["route"]!["answered_by"]!);
        Assert.Equal("auto", (string)routed["route"]!["profile"]!);
        Assert.StartsWith("rt_", (string)routed["route"]!["id"]!);
        // One model three ways, greedy: the same words and counts from the server, through the router, and in-process.
        Assert.Equal(10, (int)library["tokens"]!);
        foreach (var other in new[] { routed, inProcess })
        {
            Assert.Equal((string)library["text"]!, (string)other["text"]!);
            Assert.Equal((int)library["tokens"]!, (int)other["tokens"]!);
        }
        Assert.Equal(5, (int)library["prompt_tokens"]!);
        Assert.Equal(5, (int)inProcess["prompt_tokens"]!);
        // The server counts only the prompt tokens it had to evaluate: the routed request found the same prompt in the
        // loaded model's cache.
        Assert.InRange((int)routed["prompt_tokens"]!, 0, 5);
        Assert.False((bool)unknown["ok"]!);
        Assert.Contains("'no-such-model' not found", (string)unknown["error"]!);

        var table = TakaseProcess.Run(null, args);
        Assert.Contains("routed by auto to small", table.StdOut);
        Assert.Contains("FAILED: model 'no-such-model' not found", table.StdOut);
    }
}
