using Takase.Routing.Execution;
using Takase.Routing.Remote;
using Takase.Routing.Targets;

namespace Takase.Server.Tests.Routing;

/// <summary>
/// The remote client against a real local provider: answers whole and streamed, chat and text, and every failure
/// mapped to the hop outcome the executor acts on — never an unhandled exception of the SDK.
/// </summary>
public sealed class RemoteTargetClientTests : IAsyncLifetime
{
    private FakeProvider _provider = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _provider = await FakeProvider.StartAsync();

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();

    private RemoteTargetClient Client(string slot, TimeSpan? timeout = null) => new(new TargetDefinition
    {
        Name = $"remote-{slot}",
        Kind = TargetKind.Remote,
        Endpoint = _provider.Endpoint(slot),
        Model = "fake-model",
        Timeout = timeout ?? TimeSpan.FromSeconds(20),
    });

    private static readonly RemoteChatCall Hello = new() { Messages = [new RemoteMessage("user", "Say hello.")], MaxTokens = 8 };

    [Fact]
    public async Task ChatWholeAndStreamed()
    {
        var client = Client("ok");
        var whole = await client.ChatAsync(Hello, Cancel);
        Assert.Equal((FakeProvider.Answer, "stop", 12, 7), (whole.Content, whole.FinishReason, whole.PromptTokens, whole.CompletionTokens));
        Assert.Equal(FakeProvider.ReportedModel, whole.Model);

        var events = await ToListAsync(client.StreamChatAsync(Hello, Cancel));
        Assert.Equal(FakeProvider.Answer, string.Concat(events.Where(e => e.Delta is not null).Select(e => e.Delta!.Content)));
        Assert.True(events.Count(e => e.Delta is not null) > 1, "the answer arrives in pieces");
        var done = events[^1].Done!;
        Assert.Equal((FakeProvider.Answer, "stop", 7), (done.Content, done.FinishReason, done.CompletionTokens));
    }

    [Fact]
    public async Task TextCompletionWholeAndStreamed()
    {
        var client = Client("ok");
        var call = new RemoteTextCall { Prompt = "Once upon a time", MaxTokens = 8 };
        Assert.Equal(FakeProvider.Answer, (await client.CompleteAsync(call, Cancel)).Content);
        var events = await ToListAsync(client.StreamCompleteAsync(call, Cancel));
        Assert.Equal(FakeProvider.Answer, events[^1].Done!.Content);
        Assert.Equal(12, events[^1].Done!.PromptTokens);
    }

    [Theory]
    [InlineData("500", HopOutcomes.Error, "HTTP 500")]
    [InlineData("429", HopOutcomes.RateLimited, "Rate limit reached")]
    [InlineData("context", HopOutcomes.ContextLength, "maximum context length")]
    [InlineData("garbage", HopOutcomes.Error, "not an OpenAI-compatible response")]
    public async Task FailuresBecomeHopOutcomes(string slot, string outcome, string message)
    {
        var client = Client(slot);
        var whole = await Assert.ThrowsAsync<TargetFailedException>(() => client.ChatAsync(Hello, Cancel));
        Assert.Equal(outcome, whole.Outcome);
        Assert.Contains(message, whole.Message);
        Assert.Equal($"remote-{slot}", whole.Target);

        var streamed = await Assert.ThrowsAsync<TargetFailedException>(() => ToListAsync(client.StreamChatAsync(Hello, Cancel)));
        Assert.Equal(outcome, streamed.Outcome);
        var text = await Assert.ThrowsAsync<TargetFailedException>(() => client.CompleteAsync(new RemoteTextCall { Prompt = "x" }, Cancel));
        Assert.Equal(outcome, text.Outcome);
    }

    [Fact]
    public async Task AStreamCutAfterItsFirstPieceFailsAfterThatPiece()
    {
        var client = Client("cut");
        var pieces = new List<string>();
        var e = await Assert.ThrowsAsync<TargetFailedException>(async () =>
        {
            await foreach (var ev in client.StreamChatAsync(Hello, Cancel))
                if (ev.Delta is { } d) pieces.Add(d.Content);
        });
        Assert.Equal(["Hello "], pieces);
        Assert.Equal(HopOutcomes.Error, e.Outcome);
    }

    [Fact]
    public async Task AHangingProviderTimesOutAtTheTargetTimeout()
    {
        var client = Client("hang", TimeSpan.FromSeconds(1));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<TargetFailedException>(() => client.ChatAsync(Hello, Cancel));
        Assert.Equal(HopOutcomes.Timeout, e.Outcome);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task AMissingApiKeyVariableIsAnErrorNamingIt()
    {
        var client = new RemoteTargetClient(new TargetDefinition
        {
            Name = "keyed",
            Kind = TargetKind.Remote,
            Endpoint = _provider.Endpoint("ok"),
            ApiKeyVariable = "TAKASE_TEST_NO_SUCH_KEY",
        }, _ => null);
        var e = await Assert.ThrowsAsync<TargetFailedException>(() => client.ChatAsync(Hello, Cancel));
        Assert.Contains("TAKASE_TEST_NO_SUCH_KEY", e.Message);
        Assert.Equal(0, _provider.Requests("ok"));
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items) list.Add(item);
        return list;
    }
}
