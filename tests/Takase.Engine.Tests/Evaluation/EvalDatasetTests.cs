using Takase.Engine.Evaluation;

namespace Takase.Engine.Tests.Evaluation;

/// <summary>The JSONL format: what parses, and that every bad line is reported as FILE:LINE: why.</summary>
public class EvalDatasetTests
{
    [Fact]
    public void MultipleChoiceItemsKeepTheirLineNumbersAndAnswers()
    {
        var d = EvalDataset.Parse("d.jsonl",
        [
            """{"question": "Q1", "choices": ["a", "b", "c"], "answer": 2, "category": "x"}""",
            "",
            """{"question": "Q2", "choices": ["a", "b"], "answer": "b"}""",
            """{"q_id": 7, "question": "Q3", "choice0": "p", "choice1": "q", "choice2": "r", "label": 1}""",
        ]);
        Assert.True(d.IsMultipleChoice);
        Assert.Equal([1, 3, 4], d.ChoiceItems.Select(i => i.Line));
        Assert.Equal([2, 1, 1], d.ChoiceItems.Select(i => i.Answer));
        Assert.Equal(["x", null, null], d.ChoiceItems.Select(i => i.Category));
        Assert.Equal(["p", "q", "r"], d.ChoiceItems[2].Choices);
    }

    [Fact]
    public void ItemsWithoutChoicesAreGenerative()
    {
        var d = EvalDataset.Parse("g.jsonl", ["""{"question": "2+2?", "answer": 4}""", """{"question": "Ken?", "answer": "He has 7.\n#### 7"}"""]);
        Assert.False(d.IsMultipleChoice);
        Assert.Equal(["4", "He has 7.\n#### 7"], d.GenerativeItems.Select(i => i.Answer));
    }

    [Theory]
    [InlineData("""{"question": "Q", "choices": ["a", "b"], "answer": 0}""" + "\n{oops", "d.jsonl:2: not valid JSON")]
    [InlineData("""{"choices": ["a", "b"], "answer": 0}""", "d.jsonl:1: \"question\" is missing")]
    [InlineData("\n\n" + """{"question": "Q", "choices": ["a", "b"], "answer": 5}""", "d.jsonl:3: \"answer\" 5 is not a choice index from 0 to 1")]
    [InlineData("""{"question": "Q", "choices": ["a", "b"], "answer": "c"}""", "d.jsonl:1: \"answer\" \"c\" is none of the choices")]
    [InlineData("""{"question": "Q", "choices": ["a"], "answer": 0}""", "d.jsonl:1: an item needs at least 2 choices")]
    [InlineData("""{"question": "Q", "choices": ["a", 3], "answer": 0}""", "d.jsonl:1: choice 1 is not a non-empty string")]
    [InlineData("""{"question": "Q", "choices": ["a", "b"]}""", "d.jsonl:1: \"answer\" is missing")]
    [InlineData("""[1, 2]""", "d.jsonl:1: expected a JSON object")]
    [InlineData("""{"question": "Q", "choices": ["a", "b"], "answer": 0}""" + "\n" + """{"question": "Q", "answer": "1"}""", "d.jsonl:2: this item has no choices but the one on line 1 has some")]
    [InlineData("\n  \n", "d.jsonl:1: the dataset holds no items")]
    public void BadLinesNameTheirLineAndWhy(string text, string expectedStart)
    {
        var e = Assert.Throws<EvalDatasetException>(() => EvalDataset.Parse("d.jsonl", text.Split('\n')));
        Assert.StartsWith(expectedStart, e.Message);
        Assert.Equal("d.jsonl", e.File);
    }

    [Theory]
    [InlineData("jcommonsenseqa-sample.jsonl")]
    [InlineData("commonsense-en-sample.jsonl")]
    public void TheSampleDatasetsParseWithFiveChoicesAndCategories(string name)
    {
        var d = EvalDataset.Load(SampleDataset(name));
        Assert.Equal(20, d.ChoiceItems.Count);
        Assert.All(d.ChoiceItems, i => Assert.Equal(5, i.Choices.Count));
        Assert.All(d.ChoiceItems, i => Assert.False(string.IsNullOrEmpty(i.Category)));
        Assert.Equal(5, d.ChoiceItems.Select(i => i.Category).Distinct().Count());
        // The right answers are spread over the positions, so a position-biased model cannot look good.
        Assert.True(d.ChoiceItems.Select(i => i.Answer).Distinct().Count() >= 4);
    }

    /// <summary>datasets/ at the repository root, found by walking up from the test binaries.</summary>
    internal static string SampleDataset(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "datasets", name);
            if (File.Exists(path)) return path;
        }
        Assert.Skip($"datasets/{name} not found above {AppContext.BaseDirectory} (tests run outside the repository)");
        return "";
    }
}
