namespace Takase.Routing.Privacy;

/// <summary>
/// The word lists the name and address recognizers look up: Japanese surnames and given names (kanji/kana), English
/// and romanized given names and surnames, and the 47 prefectures. <see cref="Default"/> holds common names; a
/// deployment adds its customers' names with <see cref="With"/> or from files with <see cref="FromFiles"/>
/// (one entry per line, '#' starts a comment).
/// </summary>
public sealed record PiiDictionaries
{
    /// <summary>Japanese surnames (佐藤, 鈴木 …).</summary>
    public required IReadOnlySet<string> JapaneseSurnames { get; init; }
    /// <summary>Japanese given names (太郎, 花子, さくら …).</summary>
    public required IReadOnlySet<string> JapaneseGivenNames { get; init; }
    /// <summary>Given names in Latin script (English and romanized Japanese), as written: "Emily", "Taro".</summary>
    public required IReadOnlySet<string> LatinGivenNames { get; init; }
    /// <summary>Surnames in Latin script: "Smith", "Tanaka".</summary>
    public required IReadOnlySet<string> LatinSurnames { get; init; }
    /// <summary>The prefectures (都道府県) with their suffix: 東京都, 北海道, 大阪府, 神奈川県 ….</summary>
    public required IReadOnlySet<string> Prefectures { get; init; }

    /// <summary>The built-in lists.</summary>
    public static PiiDictionaries Default { get; } = new()
    {
        JapaneseSurnames = Set(DefaultNameLists.JapaneseSurnames),
        JapaneseGivenNames = Set(DefaultNameLists.JapaneseGivenNames),
        LatinGivenNames = Set(DefaultNameLists.LatinGivenNames),
        LatinSurnames = Set(DefaultNameLists.LatinSurnames),
        Prefectures = Set(DefaultNameLists.Prefectures),
    };

    /// <summary>These lists plus the given entries (null: unchanged).</summary>
    public PiiDictionaries With(
        IEnumerable<string>? japaneseSurnames = null, IEnumerable<string>? japaneseGivenNames = null,
        IEnumerable<string>? latinGivenNames = null, IEnumerable<string>? latinSurnames = null) => this with
        {
            JapaneseSurnames = Union(JapaneseSurnames, japaneseSurnames),
            JapaneseGivenNames = Union(JapaneseGivenNames, japaneseGivenNames),
            LatinGivenNames = Union(LatinGivenNames, latinGivenNames),
            LatinSurnames = Union(LatinSurnames, latinSurnames),
        };

    /// <summary>
    /// The defaults plus names read from files: surnames and given names, one per line, in either script (kana/kanji
    /// entries go to the Japanese lists, Latin ones to the Latin lists).
    /// </summary>
    /// <exception cref="FileNotFoundException">a named file does not exist.</exception>
    public static PiiDictionaries FromFiles(string? surnamesFile, string? givenNamesFile)
    {
        var surnames = Read(surnamesFile);
        var given = Read(givenNamesFile);
        return Default.With(
            surnames.Where(IsJapanese), given.Where(IsJapanese),
            given.Where(w => !IsJapanese(w)), surnames.Where(w => !IsJapanese(w)));
    }

    private static List<string> Read(string? path)
    {
        if (path is null) return [];
        if (!File.Exists(path)) throw new FileNotFoundException($"name list {path} does not exist", path);
        return File.ReadLines(path).Select(l => (l.IndexOf('#') is var hash and >= 0 ? l[..hash] : l).Trim())
            .Where(l => l.Length > 0).ToList();
    }

    private static bool IsJapanese(string word) => word.Any(PiiLanguages.IsJapaneseScript);

    private static HashSet<string> Set(IEnumerable<string> words) => new(words, StringComparer.Ordinal);

    private static HashSet<string> Union(IReadOnlySet<string> current, IEnumerable<string>? extra) =>
        extra is null ? new HashSet<string>(current, StringComparer.Ordinal) : Set(current.Concat(extra));
}
