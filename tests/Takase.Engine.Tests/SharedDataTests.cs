using Takase.Tests.Support;

namespace Takase.Engine.Tests;

public class SharedDataTests
{
    [Fact]
    public void StoriesModelIsReachable() =>
        Assert.True(new FileInfo(SharedData.Path("models/stories260K.gguf")).Length > 1_000_000);
}
