using System.Text;
using Takase.Engine.Sampling;

namespace Takase.Engine.Tests.Sampling;

public class StopSequenceMatcherTests
{
    /// <summary>Feeds the chunks, records what is emitted after each, and flushes at the end unless stopped.</summary>
    private static (List<string> Emitted, bool Stopped, string? Stop) Run(string[] stops, params string[] chunks)
    {
        var matcher = new StopSequenceMatcher(stops);
        var emitted = new List<string>();
        foreach (var chunk in chunks)
        {
            var result = matcher.Append(chunk);
            emitted.Add(result.Text);
            Assert.Equal(matcher.IsStopped, result.Stopped);
        }
        if (!matcher.IsStopped) emitted.Add(matcher.Flush());
        return (emitted, matcher.IsStopped, matcher.MatchedStop);
    }

    [Fact]
    public void WithoutStopsEverythingPassesThroughAtOnce()
    {
        var (emitted, stopped, _) = Run([], "Hello", ", ", "world");
        Assert.Equal(["Hello", ", ", "world", ""], emitted);
        Assert.False(stopped);
    }

    [Fact]
    public void StopInsideOneChunkEmitsOnlyTheTextBeforeIt()
    {
        var (emitted, stopped, stop) = Run(["\n\n"], "one\n\ntwo", "three");
        Assert.Equal(["one", ""], emitted);
        Assert.True(stopped);
        Assert.Equal("\n\n", stop);
    }

    [Fact]
    public void StopSpanningChunksIsHeldBackThenDropped()
    {
        var (emitted, stopped, stop) = Run(["</answer>"], "The result is 4", "</ans", "wer> trailing");
        Assert.Equal(["The result is 4", "", ""], emitted);
        Assert.True(stopped);
        Assert.Equal("</answer>", stop);
    }

    [Fact]
    public void PartialPrefixThenMismatchIsReleased()
    {
        // "</a" could start the stop; "x" proves it does not, so all of it is released with the chunk.
        var (emitted, stopped, _) = Run(["</answer>"], "a </a", "x b");
        Assert.Equal(["a ", "</ax b", ""], emitted);
        Assert.False(stopped);
    }

    [Fact]
    public void HeldTextIsFlushedAtTheEnd()
    {
        var (emitted, stopped, _) = Run(["STOP"], "almost ST");
        Assert.Equal(["almost ", "ST"], emitted);
        Assert.False(stopped);
    }

    [Fact]
    public void TheEarliestOfSeveralStopsWins()
    {
        var (emitted, _, stop) = Run(["world", "lo w", "xyz"], "hel", "lo wor", "ld");
        Assert.Equal("lo w", stop);
        Assert.Equal("hel", string.Concat(emitted));
    }

    [Fact]
    public void HoldsBackTheLongestTailThatAnyStopCouldStartWith()
    {
        // "abc" may start at "ab", "bd" at "b": the earliest candidate decides what is held.
        var matcher = new StopSequenceMatcher(["abc", "bd"]);
        Assert.Equal("x", matcher.Append("xab").Text);
        Assert.Equal(new StopSequenceResult("a", true), matcher.Append("d"));   // "abd": "bd" matched after "a"
        Assert.Equal("bd", matcher.MatchedStop);
    }

    [Fact]
    public void OverlappingPrefixesDoNotSwallowText()
    {
        // A stop whose start repeats inside itself: "aab" after "aaa…" must keep exactly one candidate start.
        var (emitted, stopped, _) = Run(["aab"], "aa", "a", "ab!");
        Assert.True(stopped);
        Assert.Equal("aa", string.Concat(emitted));
    }

    [Fact]
    public void ChunksAfterAStopAreSwallowed()
    {
        var matcher = new StopSequenceMatcher(["."]);
        Assert.Equal(new StopSequenceResult("Done", true), matcher.Append("Done. More"));
        Assert.Equal(new StopSequenceResult("", true), matcher.Append("ignored"));
        Assert.Equal("", matcher.Flush());
    }

    [Fact]
    public void JapaneseStopsSpanChunks()
    {
        var (emitted, stopped, stop) = Run(["おしまい", "。\n"], "昔々、", "あるところにおじいさんがいました。お", "し", "まい。");
        Assert.True(stopped);
        Assert.Equal("おしまい", stop);
        Assert.Equal("昔々、あるところにおじいさんがいました。", string.Concat(emitted));
        Assert.Equal(["昔々、", "あるところにおじいさんがいました。", "", ""], emitted.Take(4));
    }

    [Fact]
    public void SurrogatePairsAreNeverSplitInEmittedText()
    {
        // 𠮷 (U+20BB7) is a surrogate pair; a chunk ending in its high half keeps the half back.
        var kanji = "𠮷";
        var (emitted, _, _) = Run(["。"], "野" + kanji[0], kanji[1] + "家");
        Assert.Equal(["野", kanji + "家", ""], emitted);
        Assert.All(emitted, text => Assert.Equal(text, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text))));
    }

    [Fact]
    public void EmptyAndNullStopsAreIgnored()
    {
        var (emitted, stopped, _) = Run(["", null!], "text");
        Assert.Equal(["text", ""], emitted);
        Assert.False(stopped);
    }

    [Fact]
    public void ResetStartsANewStream()
    {
        var matcher = new StopSequenceMatcher(["END"]);
        Assert.True(matcher.Append("xEND").Stopped);
        matcher.Reset();
        Assert.Equal(new StopSequenceResult("again ", false), matcher.Append("again E"));
        Assert.Equal("E", matcher.Flush());
        Assert.Null(matcher.MatchedStop);
    }

    [Fact]
    public void EmittedTextAlwaysEqualsTheInputCutAtTheFirstStop()
    {
        // Every way of splitting a text into chunks must give the same emitted total.
        const string text = "Q: what? A: yes\nQ: and? A: no";
        string[] stops = ["\nQ:", "no"];
        var expected = text[..text.IndexOf("\nQ:", StringComparison.Ordinal)];
        for (var cut1 = 0; cut1 <= text.Length; cut1++)
        {
            for (var cut2 = cut1; cut2 <= text.Length; cut2 += 3)
            {
                var (emitted, stopped, _) = Run(stops, text[..cut1], text[cut1..cut2], text[cut2..]);
                Assert.True(stopped);
                Assert.Equal(expected, string.Concat(emitted));
            }
        }
    }
}
