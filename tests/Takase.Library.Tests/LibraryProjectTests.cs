namespace Takase.Library.Tests;

public class LibraryProjectTests
{
    [Fact]
    public void TheLibraryAssemblyLoads() => Assert.Equal("Takase.Library", typeof(LibraryInfo).Assembly.GetName().Name);
}
