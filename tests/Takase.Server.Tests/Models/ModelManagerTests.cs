using Microsoft.Extensions.Logging.Abstractions;
using Takase.Server.Hosting;
using Takase.Server.Models;
using Takase.Tests.Support;

namespace Takase.Server.Tests.Models;

public sealed class ModelManagerTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private ModelManager Manager(Action<TakaseServerOptions>? configure = null)
    {
        File.CreateSymbolicLink(_dir.File("a.gguf"), SharedData.Path("models/stories260K.gguf"));
        File.CreateSymbolicLink(_dir.File("b.gguf"), SharedData.Path("models/stories260K-Q8_0.gguf"));
        var options = new TakaseServerOptions { ModelsDirectory = _dir.Path, ParallelSlots = 1, DefaultContextLength = 64 };
        configure?.Invoke(options);
        return new ModelManager(new ModelCatalog(_dir.Path), options, NullLogger<ModelManager>.Instance);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++) await Task.Delay(25);
        Assert.True(condition(), "condition not reached within 5 s");
    }

    [Fact]
    public async Task SecondAcquireReusesTheLoadedModel()
    {
        await using var m = Manager();
        using (var first = await m.AcquireAsync("a", null, default)) Assert.True(first.LoadDuration > TimeSpan.Zero);
        using var second = await m.AcquireAsync("A:latest", null, default); // names match case-insensitively, tag optional
        Assert.Equal(TimeSpan.Zero, second.LoadDuration);
        Assert.Single(m.Loaded);
    }

    [Fact]
    public async Task KeepAliveZeroUnloadsWhenTheRequestEnds()
    {
        await using var m = Manager();
        var lease = await m.AcquireAsync("a", TimeSpan.Zero, default);
        Assert.Single(m.Loaded);
        lease.Dispose();
        Assert.Empty(m.Loaded);
    }

    [Fact]
    public async Task KeepAliveExpiresAfterTheRequest()
    {
        await using var m = Manager();
        using (await m.AcquireAsync("a", TimeSpan.FromMilliseconds(300), default)) { }
        Assert.Single(m.Loaded);
        await WaitUntil(() => m.Loaded.Count == 0);
    }

    [Fact]
    public async Task NegativeKeepAliveKeepsTheModel()
    {
        await using var m = Manager();
        using (await m.AcquireAsync("a", KeepAlive.Forever, default)) { }
        Assert.Equal(DateTimeOffset.MaxValue, m.Loaded.Single().ExpiresAt);
    }

    [Fact]
    public async Task LeastRecentlyUsedIdleModelMakesRoom()
    {
        await using var m = Manager(o => o.MaxLoadedModels = 1);
        using (await m.AcquireAsync("a", null, default)) { }
        using (await m.AcquireAsync("b", null, default))
            Assert.Equal("b:latest", m.Loaded.Single().Entry.Name);
    }

    [Fact]
    public async Task ABusyModelIsNotEvictedTheNewOneWaits()
    {
        await using var m = Manager(o => o.MaxLoadedModels = 1);
        var busy = await m.AcquireAsync("a", null, default);
        var waiting = m.AcquireAsync("b", null, default);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        busy.Dispose();
        using var b = await waiting;
        Assert.Equal("b:latest", m.Loaded.Single().Entry.Name);
    }

    [Fact]
    public async Task UnknownModelIsNamed()
    {
        await using var m = Manager();
        var e = await Assert.ThrowsAsync<ModelNotFoundException>(() => m.AcquireAsync("nope", null, default));
        Assert.Contains("'nope'", e.Message);
    }
}

public sealed class ModelSuggestionTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AnUnknownNameSuggestsTheCloseOnes()
    {
        File.CreateSymbolicLink(_dir.File("stories260K.gguf"), SharedData.Path("models/stories260K.gguf"));
        File.CreateSymbolicLink(_dir.File("llama-tiny.gguf"), SharedData.Path("models/stories260K-Q8_0.gguf"));
        await using var m = new ModelManager(new ModelCatalog(_dir.Path), new TakaseServerOptions { ModelsDirectory = _dir.Path }, NullLogger<ModelManager>.Instance);
        var e = await Assert.ThrowsAsync<ModelNotFoundException>(() => m.AcquireAsync("storys260k", null, default));
        Assert.Contains("did you mean 'stories260K:latest'?", e.Message);
        var none = await Assert.ThrowsAsync<ModelNotFoundException>(() => m.AcquireAsync("qwen3", null, default));
        Assert.DoesNotContain("did you mean", none.Message);
    }
}
