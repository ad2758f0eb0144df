namespace Takase.Web.Tests.Support;

/// <summary>A server that requires keys, shared by one test class.</summary>
public sealed class SecuredServer : IAsyncLifetime
{
    /// <summary>The server.</summary>
    public ConsoleServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => Server = await ConsoleServer.StartAsync(secured: true);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

/// <summary>An open server (the loopback default: no key needed), shared by one test class.</summary>
public sealed class OpenServer : IAsyncLifetime
{
    /// <summary>The server.</summary>
    public ConsoleServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async ValueTask InitializeAsync() => Server = await ConsoleServer.StartAsync(secured: false);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
