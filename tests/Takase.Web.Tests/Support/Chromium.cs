using Microsoft.Playwright;

namespace Takase.Web.Tests.Support;

/// <summary>
/// Headless Chromium through Playwright, one per test class (a class fixture); each test gets a fresh context, so
/// session storage (the console's key) never leaks between tests. The browser is Debian's (/usr/bin/chromium, which
/// .ci/run installs; TAKASE_TEST_CHROMIUM names another) — Playwright never downloads one. Where it is absent the
/// tests skip with that message.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    /// <summary>Where the browser is looked for.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("TAKASE_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    // Without the background-networking flags Chromium's own connections (updates, sync, QUIC probes) are refused
    // by a closed network and slow every start; the sandbox needs privileges a CI container does not have.
    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly SemaphoreSlim _launch = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The folder screenshots are saved in (beside the test binaries).</summary>
    public static string ScreenshotFolder => Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>A page in a fresh context; skips the calling test when Chromium is not installed.</summary>
    public async Task<IPage> NewPageAsync()
    {
        if (!File.Exists(ExecutablePath))
            Assert.Skip($"Chromium is not installed at {ExecutablePath}: install Debian's package (apt-get install -y chromium, as .ci/run does) " +
                "or set TAKASE_TEST_CHROMIUM to a Chromium binary; the browser tests need it.");
        await _launch.WaitAsync();
        try
        {
            _playwright ??= await Playwright.CreateAsync();
            _browser ??= await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Flags,
            });
        }
        finally
        {
            _launch.Release();
        }
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-US", ViewportSize = new() { Width = 1360, Height = 900 } });
        // Generous waits: CI runs four test processes on two cores, and a page that is slow to settle there is not wrong.
        // Every wait is for a condition, so a passing test does not take longer for it.
        context.SetDefaultTimeout(30_000);
        Assertions.SetDefaultExpectTimeout(20_000);
        var page = await context.NewPageAsync();
        // Script errors and refused resources (a CSP violation is logged as a console error) are collected for the
        // test to assert on; the browser would otherwise swallow them.
        page.PageError += (_, message) => Problems.Add($"page error: {message}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !IsExpectedHttpError(message.Text)) Problems.Add($"console error: {message.Text}");
        };
        return page;
    }

    /// <summary>Uncaught script errors and console errors of the pages this browser opened, except failed API calls.</summary>
    public System.Collections.Concurrent.ConcurrentBag<string> Problems { get; } = [];

    // Chromium logs every 4xx answer of fetch as a console error; the tests cause those on purpose.
    private static bool IsExpectedHttpError(string text) =>
        text.StartsWith("Failed to load resource: the server responded with a status of 4", StringComparison.Ordinal);

    /// <summary>Saves a full-page screenshot as screenshots/<paramref name="name"/>.png beside the test binaries.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotFolder);
        var path = Path.Combine(ScreenshotFolder, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    /// <inheritdoc />
    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        _launch.Dispose();
    }
}
