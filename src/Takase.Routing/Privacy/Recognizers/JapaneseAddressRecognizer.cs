using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// Japanese street addresses: an optional prefecture (from the dictionary), one to three municipality parts ending in
/// 市, 区, 郡, 町 or 村, a district name, and the block numbers (1-2-3, 1丁目2番3号, 一丁目2-3, 123番地の4). Block numbers
/// are required: a city alone is not personal data. The span ends after the numbers; a building name is not included.
/// Runs for every language: it matches only kanji addresses (an English mail can quote a Japanese address).
/// </summary>
public sealed partial class JapaneseAddressRecognizer(PiiDictionaries dictionaries) : PiiRecognizer
{
    private readonly PiiDictionaries _dictionaries = dictionaries;

    /// <inheritdoc />
    public override string Name => "address-ja";

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords =>
        ["住所", "所在地", "お届け先", "送付先", "配送先", "自宅", "住んで", "在住", "address", "〒"];

    /// <inheritdoc />
    protected override int ContextBefore => 16;

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        foreach (Match m in Pattern().Matches(text.Text))
        {
            var start = m.Index;
            var city = m.Groups["city"];
            var pref = m.Groups["pref"];
            var prefecture = pref.Success && _dictionaries.Prefectures.Contains(pref.Value) ? pref.Value : null;
            if (pref.Success && prefecture is null) continue; // 〇〇県 that is not a prefecture
            if (prefecture is null && !city.Value.Contains('市') && !city.Value.Contains('区')) continue;
            yield return Span(text, PiiEntityType.Address, start, m.Index + m.Length, prefecture is null ? 0.65 : 0.85,
                prefecture is null ? "city" : "prefecture");
        }
    }

    // pref: a prefecture (checked against the dictionary); city: 1–3 parts of kanji/katakana ending in 市区郡町村 (さいたま市 and other kana cities listed), then a district
    // (kanji, kana, 丸の内, 北1条西), then the block numbers. It starts after a non-kanji or right after a context
    // word written against it (住所東京都…).
    [GeneratedRegex(@"(?:(?<![一-龥々ヶ])|(?<=住所|所在地|送付先|届け先|配送先|自宅))(?<pref>北海道|東京都|京都府|大阪府|[一-龥]{2,3}県)?(?<city>(?:(?:[一-龥々ヶァ-ヺー]{1,6}?|さいたま|つくば|いわき|ひたちなか|かすみがうら|つくばみらい|いちき串木野|みどり|あきる野|ふじみ野|うきは|みやま|いなべ)[市区郡町村]){1,3})(?<district>(?:[一-龥々ヶァ-ヺーぁ-ゖノ]|[0-9]+条){0,14}?)(?<block>(?:[0-9]+|[一二三四五六七八九十]+)丁目(?:[0-9]+(?:番地?|-)(?:[0-9]+号?)?|[0-9]+番地?|[0-9]+)?|[0-9]+番地?(?:の?[0-9]+号?)?|[0-9]+-[0-9]+(?:-[0-9]+)?)(?![0-9])",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
