using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Takase.Routing.Privacy.Recognizers;

/// <summary>
/// IPv4 addresses (four octets 0–255, not part of a longer dotted run such as a version 10.0.19045.2965) and IPv6
/// addresses (validated by the BCL's parser, so times like 10:22:31 and MAC addresses are rejected). "version" or
/// "build" nearby lowers the score: 1.2.3.4 is also a version string.
/// </summary>
public sealed partial class IpAddressRecognizer : PiiRecognizer
{
    /// <inheritdoc />
    public override string Name => "ip-address";

    /// <inheritdoc />
    protected override IReadOnlyList<string> ContextWords =>
        ["ip", "ipアドレス", "アドレス", "address", "host", "server", "サーバ", "接続元", "送信元", "client", "グローバル", "from"];

    /// <inheritdoc />
    protected override IReadOnlyList<string> NegativeContextWords =>
        ["version", "ver.", "バージョン", "build", "ビルド", "firmware", "ファームウェア", "release", "リリース", "v."];

    /// <inheritdoc />
    public override IEnumerable<PiiSpan> Recognize(NormalizedText text)
    {
        foreach (Match m in V4().Matches(text.Text))
            yield return Span(text, PiiEntityType.IpAddress, m.Index, m.Index + m.Length, 0.6, "v4");
        foreach (Match m in V6Candidate().Matches(text.Text))
        {
            var value = m.Value;
            var groups = value.Split(':').Length;
            if (!value.Contains("::") && groups != 8 && !value.Contains('.')) continue;
            if (!value.Any(char.IsAsciiHexDigit)) continue;
            if (IPAddress.TryParse(value, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
                yield return Span(text, PiiEntityType.IpAddress, m.Index, m.Index + m.Length, 0.6, "v6");
        }
    }

    [GeneratedRegex(@"(?<![0-9A-Za-z.\-])(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}(?![0-9A-Za-z\-]|\.[0-9])",
        RegexOptions.CultureInvariant)]
    private static partial Regex V4();

    [GeneratedRegex(@"(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:[0-9]{1,3}\.){3}[0-9]{1,3})?(?![0-9A-Za-z:])",
        RegexOptions.CultureInvariant)]
    private static partial Regex V6Candidate();
}
