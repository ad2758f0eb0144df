using System.Text.Json;
using System.Xml.Linq;
using Takase.Server.Hosting;

namespace Takase.Server.Tests.Deploy;

/// <summary>
/// deploy/docker/Dockerfile cannot be built here (no Docker engine), so its instructions are read line by line and
/// held to what it claims: a build stage that publishes `takase` self-contained, a small non-root final stage that
/// runs `takase serve` on the server's port, and source paths that exist in the repository.
/// </summary>
public sealed class DockerfileTests
{
    private static IReadOnlyList<DockerInstruction> Final(IReadOnlyList<DockerInstruction> all) =>
        [.. all.Where(i => i.Stage == all.Max(x => x.Stage))];

    [Fact]
    public void Two_stages_an_sdk_build_and_a_runtime_deps_final()
    {
        var from = DeployFiles.Dockerfile().Where(i => i.Keyword == "FROM").Select(i => i.Arguments).ToList();
        Assert.Equal(["mcr.microsoft.com/dotnet/sdk:10.0 AS build", "mcr.microsoft.com/dotnet/runtime-deps:10.0 AS final"], from);
    }

    [Fact]
    public void The_build_stage_publishes_the_cli_self_contained_as_one_file_for_linux_x64()
    {
        var all = DeployFiles.Dockerfile();
        var publish = Assert.Single(all, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Equal(0, publish.Stage);
        var words = DockerInstruction.SplitWords(publish.Arguments).ToList();
        Assert.Equal("src/Takase.Cli", words[words.IndexOf("publish") + 1]);
        Assert.Equal("Release", words[words.IndexOf("-c") + 1]);
        Assert.Equal("linux-x64", words[words.IndexOf("-r") + 1]);
        Assert.Contains("--self-contained", words);
        Assert.Contains("-p:PublishSingleFile=true", words);
        var output = words[words.IndexOf("-o") + 1];
        // The final stage takes exactly what was published, from the build stage.
        Assert.Contains(Final(all), i => i.Keyword == "COPY" && i.Arguments == $"--from=build {output} /app");
    }

    [Fact]
    public void The_build_stage_copies_every_project_the_cli_needs_before_restoring()
    {
        var all = DeployFiles.Dockerfile();
        var root = DeployFiles.RepositoryRoot;
        var copied = all.Where(i => i.Stage == 0 && i.Keyword == "COPY")
            .SelectMany(i => DockerInstruction.SplitWords(i.Arguments).SkipLast(1))
            .ToHashSet();
        foreach (var source in copied)
            Assert.True(File.Exists(Path.Combine(root, source)) || Directory.Exists(Path.Combine(root, source)), $"the Dockerfile copies {source}, which the repository lacks");
        // Each project the CLI references (transitively) has its .csproj copied for the cached restore layer.
        foreach (var project in ProjectClosure(Path.Combine(root, "src", "Takase.Cli", "Takase.Cli.csproj")))
        {
            var relative = Path.GetRelativePath(root, project).Replace('\\', '/');
            Assert.True(copied.Contains(relative), $"{relative} is referenced by the CLI but not copied before `dotnet restore`");
        }
    }

    [Fact]
    public void The_final_stage_runs_takase_serve_as_a_non_root_user_on_the_server_port()
    {
        var final = Final(DeployFiles.Dockerfile());
        var port = HostAddress.Parse(new TakaseServerOptions().Host).Port;

        var user = Assert.Single(final, i => i.Keyword == "USER").Arguments.Split(':')[0];
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);

        Assert.Equal(port.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(final, i => i.Keyword == "EXPOSE").Arguments);
        var entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(final, i => i.Keyword == "ENTRYPOINT").Arguments);
        Assert.Equal(["/app/takase", "serve"], entrypoint!); // exec form: signals reach the server, which then stops gracefully

        var listen = DeploySettings.OfDockerfile(final).Single(kv => kv.Key.Equals("TAKASE__Host", StringComparison.OrdinalIgnoreCase)).Value;
        Assert.Equal(port, HostAddress.Parse(listen).Port);
        var health = new Uri(Assert.Single(final, i => i.Keyword == "HEALTHCHECK").HealthcheckUrl());
        Assert.Equal(("/api/version", port), (health.AbsolutePath, health.Port));
    }

    [Fact]
    public void Models_and_the_database_live_on_the_declared_volume()
    {
        var final = Final(DeployFiles.Dockerfile());
        var volume = DockerInstruction.SplitWords(Assert.Single(final, i => i.Keyword == "VOLUME").Arguments).Single();
        var env = final.Where(i => i.Keyword == "ENV").SelectMany(i => i.EnvAssignments()).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.StartsWith(volume + "/", env["TAKASE__ModelsDirectory"] + "/");
        Assert.Equal(volume, env["TAKASE_HOME"]); // the SQLite database and its key file go to Takase's home folder
    }

    [Fact]
    public void Every_TAKASE_setting_of_the_image_binds_to_a_server_option_with_its_value()
    {
        var settings = DeploySettings.OfDockerfile(DeployFiles.Dockerfile()).ToList();
        Assert.NotEmpty(settings);
        var options = DeploySettings.Bind(settings);
        foreach (var (name, value) in settings)
        {
            var bound = DeploySettings.OptionValue(options, name);
            Assert.True(DeploySettings.Same(bound, value), $"{name}='{value}' did not arrive: the option holds '{bound}'");
        }
    }

    [Fact]
    public void Instructions_parse_with_continuations_joined_and_stages_counted()
    {
        var parsed = DockerInstruction.Parse([
            "# syntax=docker/dockerfile:1",
            "FROM a AS one",
            "RUN first \\",
            "    # a comment inside",
            "    second",
            "from b",
            "ENV A=1 B=\"two words\"",
        ]);
        Assert.Equal(["FROM", "RUN", "FROM", "ENV"], parsed.Select(i => i.Keyword));
        Assert.Equal("first second", parsed[1].Arguments);
        Assert.Equal([0, 0, 1, 1], parsed.Select(i => i.Stage));
        Assert.Equal([new("A", "1"), new KeyValuePair<string, string>("B", "two words")], parsed[3].EnvAssignments());
    }

    /// <summary>A project file and every project it references, transitively.</summary>
    private static HashSet<string> ProjectClosure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Path.GetFullPath(project)]);
        while (pending.TryPop(out var path))
        {
            if (!seen.Add(path)) continue;
            foreach (var reference in XDocument.Load(path).Descendants("ProjectReference"))
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, reference.Attribute("Include")!.Value.Replace('\\', '/'))));
        }
        return seen;
    }
}
