using Takase.Routing.Data;

namespace Takase.Routing.Tests.Learned;

/// <summary>
/// Synthetic routing data with a planted signal: prompts of random filler words (English and Japanese), and in half of
/// them a keyword at a random word position (in the other half a neutral word of the same length and script, so length
/// and script statistics carry no signal). The strong model wins exactly on the prompts with the keyword (elsewhere
/// both models succeed: weak is enough).
/// </summary>
internal static class PlantedData
{
    public const string Keyword = "証明せよ";
    private const string Neutral = "写真撮影";

    private static readonly string[] Filler =
    [
        "please", "write", "about", "the", "weather", "today", "and", "tomorrow", "in", "a", "short", "note", "for", "my", "team",
        "テスト", "データ", "モデル", "サーバー", "東京", "天気", "料理", "会議", "予定", "ください",
    ];

    public static (RoutingDataset Data, int[] KeywordAt) Make(int count, int seed)
    {
        var random = new Random(seed);
        var examples = new List<RoutingExample>(count);
        var positions = new int[count];
        for (var i = 0; i < count; i++)
        {
            var words = Enumerable.Range(0, random.Next(6, 14)).Select(_ => Filler[random.Next(Filler.Length)]).ToList();
            var planted = i % 2 == 0;
            words.Insert(random.Next(words.Count + 1), planted ? Keyword : Neutral);
            var prompt = string.Join(' ', words);
            positions[i] = planted ? prompt.IndexOf(Keyword, StringComparison.Ordinal) : -1;
            examples.Add(new RoutingExample(i + 1, $"p{i}", null, prompt, null,
                new Dictionary<string, double> { ["weak"] = planted ? 0 : 1, ["strong"] = 1 }));
        }
        return (RoutingDataset.FromExamples("planted", "weak", "strong", examples), positions);
    }
}
