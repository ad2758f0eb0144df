using System.Text.Json;
using Takase.Engine;
using Takase.Tests.Support;

namespace Takase.Cli.Tests;

/// <summary>
/// `takase eval` end to end on stories260K: the numbers it prints equal log-likelihoods this test computes itself
/// (a fresh forward pass over each whole sequence, log-softmax worked out here), and bad input names what is wrong.
/// </summary>
public class EvalCommandTests
{
    private static string Stories => SharedData.Path("models/stories260K.gguf");

    private static readonly (string Question, string[] Choices, string Category)[] Questions =
    [
        ("What did Lily see in the park?", ["a big red ball", "a cat", "the sun", "a tree"], "story"),
        ("Who loved to play outside?", ["Lily", "the dog", "a bird", "nobody at all"], "story"),
        ("What color was the ball?", ["red", "blue", "green", "purple"], "colors"),
    ];

    /// <summary>Σ log p(continuation | context) from one plain forward pass, split where lm-eval splits.</summary>
    private static double Reference(LanguageModel lm, string context, string continuation)
    {
        var ctx = lm.TokenizePrompt(context);
        var whole = lm.TokenizePrompt(context + continuation);
        var split = 0;
        while (split < ctx.Length && ctx[split] == whole[split]) split++;
        var state = lm.Model.CreateState(lm.Model.CreateCache(whole.Length));
        double sum = 0;
        for (var j = 0; j < whole.Length - 1; j++)
        {
            var logits = lm.Model.Forward(state, whole[j]).ToArray();
            if (j + 1 < split) continue;
            var max = logits.Max();
            sum += logits[whole[j + 1]] - max - Math.Log(logits.Sum(l => Math.Exp(l - (double)max)));
        }
        return sum;
    }

    private static string WriteDataset(TempDir dir, IEnumerable<int> answers) =>
        WriteLines(dir, "mc.jsonl", Questions.Zip(answers, (q, a) => JsonSerializer.Serialize(new { question = q.Question, choices = q.Choices, answer = a, category = q.Category })));

    private static string WriteLines(TempDir dir, string name, IEnumerable<string> lines)
    {
        var path = dir.File(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void MultipleChoiceNumbersEqualIndependentLogLikelihoods()
    {
        using var dir = new TempDir();
        var data = WriteDataset(dir, [0, 1, 2]);
        var r = TakaseProcess.Run(null, "eval", Stories, data, "--json", "--details");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        var result = doc.RootElement.GetProperty("results")[0];
        Assert.True(result.GetProperty("ok").GetBoolean());

        using var lm = LanguageModel.Load(Stories);
        int correct = 0, correctNorm = 0;
        var details = result.GetProperty("details").EnumerateArray().ToList();
        for (var i = 0; i < Questions.Length; i++)
        {
            var (question, choices, _) = Questions[i];
            var expected = choices.Select(c => Reference(lm, $"Question: {question}\nAnswer:", " " + c)).ToArray();
            var printed = details[i].GetProperty("loglikelihoods").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            Assert.Equal(expected.Length, printed.Length);
            for (var c = 0; c < expected.Length; c++) Assert.Equal(expected[c], printed[c], 1e-4);
            var pick = Array.IndexOf(expected, expected.Max());
            var norm = expected.Select((ll, c) => ll / choices[c].Length).ToArray();
            var pickNorm = Array.IndexOf(norm, norm.Max());
            Assert.Equal(pick, details[i].GetProperty("predicted").GetInt32());
            Assert.Equal(pickNorm, details[i].GetProperty("predicted_norm").GetInt32());
            Assert.Equal(i + 1, details[i].GetProperty("line").GetInt32());
            correct += pick == i ? 1 : 0;
            correctNorm += pickNorm == i ? 1 : 0;
        }
        Assert.Equal(correct, result.GetProperty("acc").GetProperty("correct").GetInt32());
        Assert.Equal((double)correct / Questions.Length, result.GetProperty("acc").GetProperty("value").GetDouble(), 12);
        Assert.Equal(correctNorm, result.GetProperty("acc_norm").GetProperty("correct").GetInt32());
        Assert.Equal(["colors", "story"], result.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("category").GetString()));
    }

    [Fact]
    public void ADatasetOfTheModelsOwnPicksScoresOneInTheTable()
    {
        using var lm = LanguageModel.Load(Stories);
        var picks = Questions.Select(q =>
        {
            var lls = q.Choices.Select(c => Reference(lm, $"Question: {q.Question}\nAnswer:", " " + c)).ToArray();
            return Array.IndexOf(lls, lls.Max());
        }).ToList();
        using var dir = new TempDir();
        var r = TakaseProcess.Run(null, "eval", Stories, WriteDataset(dir, picks));
        Assert.True(r.ExitCode == 0, r.StdErr);
        var row = r.StdOut.Split('\n').First(l => l.StartsWith("stories260K.gguf ", StringComparison.Ordinal)); // the results row, before the breakdown
        var cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["stories260K.gguf", "3", "1.0000"], cells[..3]);
        // 3/3: the 95 % Wilson interval is [0.4385, 1].
        Assert.Contains("[0.4385, 1.0000]", row);
        Assert.Contains("by category", r.StdOut);
    }

    [Fact]
    public void PerplexityEqualsExpOfMeanNllOverTheWindows()
    {
        const string text = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball.";
        using var dir = new TempDir();
        var path = WriteLines(dir, "story.txt", [text]);
        var r = TakaseProcess.Run(null, "eval", Stories, path, "--ctx", "16", "--stride", "8", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal("perplexity", doc.RootElement.GetProperty("mode").GetString());
        var result = doc.RootElement.GetProperty("results")[0];

        // Independently: token t (t ≥ 1) is predicted from the first 16-token window (starts 0, 8, 16, ...) that holds it.
        using var lm = LanguageModel.Load(Stories);
        var tokens = lm.TokenizePrompt(text + "\n"); // WriteAllLines ends the line
        double nll = 0;
        for (var t = 1; t < tokens.Length; t++)
        {
            var start = 0;
            while (start + 16 < t + 1) start += 8;
            nll -= Reference(lm, tokens[start..t], tokens[t]);
        }
        var mean = nll / (tokens.Length - 1);
        Assert.Equal(tokens.Length - 1, result.GetProperty("scored_tokens").GetInt32());
        Assert.Equal(mean, result.GetProperty("mean_nll").GetDouble(), 1e-5);
        Assert.Equal(Math.Exp(mean), result.GetProperty("perplexity").GetDouble(), 1e-3);
    }

    /// <summary>log p(target | context tokens) from a fresh cache.</summary>
    private static double Reference(LanguageModel lm, int[] context, int target)
    {
        var state = lm.Model.CreateState(lm.Model.CreateCache(context.Length));
        float[] logits = [];
        foreach (var token in context) logits = lm.Model.Forward(state, token).ToArray();
        var max = logits.Max();
        return logits[target] - max - Math.Log(logits.Sum(l => Math.Exp(l - (double)max)));
    }

    [Fact]
    public void GenerativeOutputIsTheGreedyContinuation()
    {
        using var dir = new TempDir();
        var data = WriteLines(dir, "gen.jsonl", ["""{"question": "Once upon a time", "answer": "7", "category": "story"}"""]);
        var r = TakaseProcess.Run(null, "eval", Stories, data, "--template", "{question}", "-n", "12", "--json", "--details");
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal("generative", doc.RootElement.GetProperty("mode").GetString());
        var result = doc.RootElement.GetProperty("results")[0];
        var item = result.GetProperty("details")[0];
        // llama.cpp's greedy run of stories260K continues "Once upon a time" with this (shared/data/README.md).
        Assert.StartsWith(", there was a little girl named Lily.", item.GetProperty("output").GetString());
        Assert.False(item.GetProperty("correct").GetBoolean()); // no number in a story: no answer
        Assert.Equal(0, result.GetProperty("exact_match").GetProperty("correct").GetInt32());
        Assert.Equal(1, result.GetProperty("exact_match").GetProperty("total").GetInt32());
    }

    [Fact]
    public void ABadLineIsReportedAsFileColonLineBeforeAnyModelLoads()
    {
        using var dir = new TempDir();
        var data = WriteLines(dir, "bad.jsonl",
        [
            """{"question": "Q", "choices": ["a", "b"], "answer": 0}""",
            "",
            """{"question": "Q", "choices": ["a", "b"], "answer": 2}""",
        ]);
        var r = TakaseProcess.Run(null, "eval", dir.File("no-such-model.gguf"), data);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"Error: {data}:3: \"answer\" 2 is not a choice index from 0 to 1", r.StdErr.Trim());
        Assert.Equal("", r.StdOut);
    }

    [Fact]
    public void AFailingModelIsReportedAndTheOthersStillRun()
    {
        using var dir = new TempDir();
        var data = WriteDataset(dir, [0, 1, 2]);
        var broken = WriteLines(dir, "broken.gguf", ["not a gguf file"]);
        var missing = dir.File("missing.gguf");
        var r = TakaseProcess.Run(null, "eval", missing, broken, Stories, data, "--json");
        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StdOut);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([false, false, true], results.Select(x => x.GetProperty("ok").GetBoolean()));
        Assert.Equal("no such file", results[0].GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(results[1].GetProperty("error").GetString()));
        Assert.Equal(3, results[2].GetProperty("acc").GetProperty("total").GetInt32());
        Assert.Contains($"Error: model {missing}: no such file", r.StdErr);
        Assert.Contains($"Error: model {broken}: ", r.StdErr);
    }
}
