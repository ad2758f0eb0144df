using Takase.Routing.Privacy;
using Takase.Routing.Privacy.Evaluation;

namespace Takase.Routing.Tests.Privacy;

public class LabelledSetTests
{
    [Fact]
    public void TheSetIsLargeMixedAndCoversEveryType()
    {
        var samples = LabelledPiiSet.Load(PiiFixtures.LabelledSet);
        Assert.True(samples.Count >= 150, $"the set should hold at least 150 texts, not {samples.Count}");
        Assert.Contains(samples, s => s.Language == PiiLanguage.Japanese);
        Assert.Contains(samples, s => s.Language == PiiLanguage.English);
        Assert.True(samples.Count(s => s.Entities.Count == 0) >= 30, "the set should hold hard negatives");
        foreach (var type in Enum.GetValues<PiiEntityType>())
        {
            var count = samples.Sum(s => s.Entities.Count(e => e.Type == type));
            Assert.True(count >= 4, $"{type.WireName()} should be labelled several times, not {count}");
        }
    }

    [Fact]
    public void DetectorMeetsTheTargetsOnTheSet()
    {
        var samples = LabelledPiiSet.Load(PiiFixtures.LabelledSet);
        var report = PiiEvaluation.Run(new PiiAnalyzer(), samples);
        var perType = string.Join("; ", report.ByType.Select(p => $"{p.Key.WireName()} P={p.Value.Precision:0.00} R={p.Value.Recall:0.00}"));
        Assert.True(report.Overall.Recall >= 0.95, $"overall recall {report.Overall.Recall:0.000} is below 0.95 ({perType})");
        Assert.True(report.Overall.Precision >= 0.9, $"overall precision {report.Overall.Precision:0.000} is below 0.9 ({perType})");
    }

    [Fact]
    public void ScoresCountStrictMatches()
    {
        LabelledSample[] samples =
        [
            new("mail a@example.com now", PiiLanguage.English, [new LabelledEntity(PiiEntityType.Email, 5, 18)]),
            new("mail a@example.com now", PiiLanguage.English, [new LabelledEntity(PiiEntityType.Email, 5, 17)]), // one short
            new("version 1.2.3.4", PiiLanguage.English, []),
        ];
        var report = PiiEvaluation.Run(new PiiAnalyzer(), samples);
        Assert.Equal(new PiiScore(1, 1, 1), report.ByType[PiiEntityType.Email]);
        Assert.Equal(0.5, report.Overall.Precision);
        Assert.Equal(0.5, report.Overall.Recall);
    }

    [Theory]
    [InlineData("{\"lang\":\"en\"}", "\"text\" is missing")]
    [InlineData("{\"text\":\"ab\",\"lang\":\"fr\"}", "unknown PII language 'fr'")]
    [InlineData("{\"text\":\"ab\",\"entities\":[{\"type\":\"SSN\",\"start\":0,\"end\":1}]}", "unknown entity type 'SSN'")]
    [InlineData("{\"text\":\"ab\",\"entities\":[{\"type\":\"EMAIL\",\"start\":1,\"end\":5}]}", "span 1..5 is outside the text")]
    [InlineData("not json", "not a JSON object")]
    public void BadLinesAreNamed(string line, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => LabelledPiiSet.Parse(line, "set.jsonl:7"));
        Assert.StartsWith("set.jsonl:7: ", e.Message);
        Assert.Contains(message, e.Message);
    }
}
