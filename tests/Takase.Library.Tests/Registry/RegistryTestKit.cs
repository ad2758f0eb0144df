using Takase.Library.Registry;
using Takase.Library.Store;
using Takase.Tests.Support;

namespace Takase.Library.Tests.Registry;

/// <summary>What the registry tests share: a fresh store in a temp folder, fast retry options, progress capture.</summary>
internal sealed class RegistryTestKit : IAsyncDisposable
{
    private readonly TempDir _dir = new();

    public required FakeRegistry Registry { get; init; }
    public HttpClient Http { get; } = new();

    public static async Task<RegistryTestKit> StartAsync() => new() { Registry = await FakeRegistry.StartAsync() };

    public ModelStore NewStore(string name = "store") => new(Path.Combine(_dir.Path, name));

    /// <summary>A path inside this kit's temp folder (for key files and the like); nothing is created.</summary>
    public string TempPath(string relative) => Path.Combine(_dir.Path, relative);

    public RegistryClientOptions Options(long rangedThreshold = 32L << 20, int maxRetries = 6) => new()
    {
        BaseAddress = Registry.BaseAddress,
        RangedDownloadThreshold = rangedThreshold,
        PartCount = 4,
        MaxRetries = maxRetries,
        InitialBackoff = TimeSpan.FromMilliseconds(1),
        MaxBackoff = TimeSpan.FromMilliseconds(20),
        CheckpointBytes = 64 << 10,
    };

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Registry.DisposeAsync();
        _dir.Dispose();
    }
}

/// <summary>Records progress synchronously (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class ProgressLog : IProgress<PullProgress>
{
    private readonly object _gate = new();
    public List<PullProgress> Lines { get; } = [];
    public Action<PullProgress>? OnReport { get; set; }

    public void Report(PullProgress value)
    {
        lock (_gate) Lines.Add(value);
        OnReport?.Invoke(value);
    }

    public List<string> Statuses()
    {
        lock (_gate) return Lines.Select(l => l.Status).Distinct().ToList();
    }
}
