namespace Takase.Routing.Privacy.Recognizers;

/// <summary>Small digit helpers the number recognizers share.</summary>
internal static class Digits
{
    /// <summary>The ASCII digits of <paramref name="s"/>, separators dropped.</summary>
    public static string Of(string s) => string.Concat(s.Where(char.IsAsciiDigit));

    /// <summary>Whether every character is an ASCII digit.</summary>
    public static bool All(string s) => s.All(char.IsAsciiDigit);
}
