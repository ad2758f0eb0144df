namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// Japanese personal names. Japanese has no spaces and no capitals, so a name is found from the dictionaries and the
/// honorific after it: a listed surname starting a kanji run, optionally followed by a listed given name (山田太郎,
/// 山田 太郎) or, before an honorific, by up to three more characters (山田俊之様). Unlisted names count only before an
/// honorific: two to four kanji (轟さん), a katakana name (スミス様, ジョン・スミスさん) or a Latin one (Smith様). A
/// surname alone needs a context word (担当の佐藤です, 佐藤と申します). The honorific is not part of the span.
/// </summary>
public sealed class JapanesePersonNameRecognizer(PiiDictionaries dictionaries) : PiiRecognizer
{
    // Honorifics and the job titles written where an honorific would be (長谷川部長).
    private static readonly string[] Honorifics =
    [
        "さん", "様", "さま", "氏", "くん", "君", "ちゃん", "先生", "殿", "社長", "部長", "課長", "係長", "主任", "教授", "先輩",
        "会長", "専務", "常務", "所長", "店長", "宛",
    ];

    // Said right after one's own surname: 木村です, 伊藤と申します.
    private static readonly string[] SelfIntroductions = ["です", "と申します", "と言います", "といいます", "でございます"];

    // Words that take an honorific but are not names: お客様, 皆様, 担当者様, お母さん, 運転手さん …
    private static readonly HashSet<string> NotNames =
    [
        "客", "皆", "皆々", "担当", "担当者", "会員", "利用者", "神", "奥", "王", "先方", "貴社", "御社", "各位", "関係者",
        "患者", "社長", "部長", "課長", "店長", "係長", "院長", "先生", "運転手", "大工", "医者", "弁護士", "管理人",
        "母", "父", "兄", "姉", "妹", "弟", "息子", "娘", "家族", "子供", "子", "親", "主人", "奥", "彼", "彼女", "誰", "相手", "同僚",
        "上司", "部下", "友達", "隣", "前任者", "後任者", "新人", "受取人", "申込者", "契約者", "購入者", "送り主",
    ];

    private static readonly HashSet<string> NotKatakanaNames =
    [
        "カスタマー", "サポート", "オペレーター", "オペレータ", "ユーザー", "ユーザ", "スタッフ", "ドライバー", "ゲスト",
        "メンバー", "オーナー", "ホスト", "パートナー", "クライアント", "マネージャー", "リーダー", "エンジニア", "デザイナー",
        "チーム", "サービス", "センター", "コールセンター", "ママ", "パパ",
    ];

    private readonly string[] _surnames = dictionaries.JapaneseSurnames.OrderByDescending(s => s.Length).ToArray();
    private readonly string[] _given = dictionaries.JapaneseGivenNames.OrderByDescending(s => s.Length).ToArray();

    /// <inheritdoc />
    public override string Name => "person-ja";

    /// <inheritdoc />
    public override bool Supports(PiiLanguage language) => language == PiiLanguage.Japanese;

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords =>
    [
        "氏名", "名前", "担当", "申します", "もうします", "申込者", "契約者", "名義", "宛", "差出人", "代表者", "私は", "わたしは",
        "本人", "フルネーム", "署名", "より", "name",
    ];

    /// <inheritdoc />
    protected override int ContextBefore => 12;

    /// <inheritdoc />
    protected override int ContextAfter => 8;

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        var s = text.Text;
        for (var i = 0; i < s.Length; i++)
        {
            if (i > 0 && IsKanji(s[i - 1])) continue;
            if (IsKanji(s[i]))
            {
                if (FromSurname(text, i) is { } span) yield return span;
                else if (UnlistedKanji(text, i) is { } unlisted) yield return unlisted;
            }
            else if (IsHiragana(s[i]) && (i == 0 || !IsHiragana(s[i - 1])))
            {
                if (KanaGivenName(text, i) is { } span) yield return span;
            }
            else if (IsKatakana(s[i]) && (i == 0 || !IsKatakana(s[i - 1]) && s[i - 1] != '・'))
            {
                if (Katakana(text, i) is { } span) yield return span;
            }
            else if (char.IsAsciiLetterUpper(s[i]) && (i == 0 || !char.IsAsciiLetter(s[i - 1])))
            {
                if (Latin(text, i) is { } span) yield return span;
            }
        }
    }

    private PiiSpan? FromSurname(NormalizedText text, int i)
    {
        var s = text.Text;
        foreach (var surname in _surnames)
        {
            if (!s.AsSpan(i).StartsWith(surname)) continue;
            var j = i + surname.Length;
            var k = j < s.Length && s[j] == ' ' ? j + 1 : j;
            // Surname + listed given name: 山田太郎, 山田 太郎, 佐藤さくら.
            foreach (var given in _given)
            {
                if (!s.AsSpan(k).StartsWith(given)) continue;
                var end = k + given.Length;
                if (end < s.Length && !StartsHonorific(s, end) && (IsKanji(s[end]) || IsKana(given[^1]) && IsKana(s[end]))) continue;
                return Span(text, PiiEntityType.Person, i, end, StartsHonorific(s, end) ? 0.85 : 0.6, "dictionary");
            }
            // Surname + an unlisted given name of 1–3 kanji, then an honorific: 山田俊之様.
            if (StartsHonorific(s, j)) return Span(text, PiiEntityType.Person, i, j, 0.75, "honorific");
            var run = KanjiRunEnd(s, j);
            if (run - j is >= 1 and <= 3 && StartsHonorific(s, run))
                return Span(text, PiiEntityType.Person, i, run, 0.8, "honorific");
            if (run > j) return null; // the kanji run goes on: 森林, 中村屋 …
            return SelfIntroductions.Any(w => s.AsSpan(j).StartsWith(w))
                ? Span(text, PiiEntityType.Person, i, j, 0.5, "introduction")
                : Span(text, PiiEntityType.Person, i, j, 0.1, "surname");
        }
        return null;
    }

    /// <summary>A listed kana given name said with an honorific or as an introduction: さくらさん, さくらと申します.</summary>
    private PiiSpan? KanaGivenName(NormalizedText text, int i)
    {
        var s = text.Text;
        foreach (var given in _given)
        {
            if (!IsHiragana(given[0]) || !s.AsSpan(i).StartsWith(given)) continue;
            var end = i + given.Length;
            if (StartsHonorific(s, end)) return Span(text, PiiEntityType.Person, i, end, 0.6, "honorific");
            if (SelfIntroductions.Skip(1).Any(w => s.AsSpan(end).StartsWith(w)))
                return Span(text, PiiEntityType.Person, i, end, 0.5, "introduction");
        }
        return null;
    }

    private PiiSpan? UnlistedKanji(NormalizedText text, int i)
    {
        var s = text.Text;
        var end = KanjiRunEnd(s, i);
        if (i > 0 && s[i - 1] is 'お' or 'ご' or '御') return null;
        var word = s[i..end];
        // Whoever introduces themselves is named: 村井 亮介と申します (a space may part surname and given name).
        if (end - i is >= 1 and <= 4 && end + 1 < s.Length && s[end] == ' ' && IsKanji(s[end + 1]))
        {
            var given = KanjiRunEnd(s, end + 1);
            if (given - end - 1 is >= 1 and <= 3 && SelfIntroductions.Skip(1).Any(w => s.AsSpan(given).StartsWith(w)))
                return Span(text, PiiEntityType.Person, i, given, 0.6, "introduction");
        }
        if (end - i is >= 2 and <= 5 && SelfIntroductions.Skip(1).Any(w => s.AsSpan(end).StartsWith(w)))
            return Span(text, PiiEntityType.Person, i, end, 0.6, "introduction");
        if (end - i is < 2 or > 4 || !StartsHonorific(s, end)) return null;
        if (NotNames.Contains(word) || NotNames.Contains(word[1..]) || "者員客長人家方達".Contains(word[^1])) return null;
        return Span(text, PiiEntityType.Person, i, end, 0.5, "honorific");
    }

    private PiiSpan? Katakana(NormalizedText text, int i)
    {
        var s = text.Text;
        var end = i;
        while (end < s.Length && (IsKatakana(s[end]) || s[end] == '・' && end + 1 < s.Length && IsKatakana(s[end + 1]))) end++;
        if (end - i < 2) return null;
        var word = s[i..end];
        if (word.Split('・').Any(NotKatakanaNames.Contains)) return null;
        if (StartsHonorific(s, end)) return Span(text, PiiEntityType.Person, i, end, 0.6, "honorific");
        // A full name written with the middle dot (ジョン・スミス) is a name more often than not, but needs a context word.
        return word.Contains('・') ? Span(text, PiiEntityType.Person, i, end, 0.2, "katakana") : null;
    }

    private PiiSpan? Latin(NormalizedText text, int i)
    {
        var s = text.Text;
        var end = i + 1;
        while (end < s.Length && (char.IsAsciiLetter(s[end]) || s[end] == ' ' && end + 1 < s.Length && char.IsAsciiLetterUpper(s[end + 1]))) end++;
        if (end - i < 2 || !StartsHonorific(s, end)) return null;
        return Span(text, PiiEntityType.Person, i, end, 0.6, "honorific");
    }

    /// <summary>Where the kanji run from <paramref name="from"/> ends: at a non-kanji or where an honorific (様, 氏) starts.</summary>
    private static int KanjiRunEnd(string s, int from)
    {
        var end = from;
        while (end < s.Length && IsKanji(s[end]) && !StartsHonorific(s, end)) end++;
        return end;
    }

    private static bool StartsHonorific(string s, int at)
    {
        if (at < s.Length && s[at] == ' ') at++;
        foreach (var h in Honorifics)
            if (s.AsSpan(at).StartsWith(h))
                return true;
        return false;
    }

    internal static bool IsKanji(char c) => c is >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF' or '々' or 'ヶ';

    private static bool IsKatakana(char c) => c is >= '\u30A1' and <= '\u30FA' or 'ー';

    private static bool IsHiragana(char c) => c is >= '\u3041' and <= '\u3096';

    private static bool IsKana(char c) => c is >= '\u3041' and <= '\u3096' || IsKatakana(c);
}
