using Takase.Routing.Replicas;

namespace Takase.Routing.Tests.Replicas;

/// <summary>How a replica's load is read from what Takase, vLLM and llama.cpp servers publish.</summary>
public sealed class ReplicaProbeTests
{
    [Fact]
    public void TakasesQueueIsRunningPlusQueuedOverEveryModel() =>
        Assert.Equal(9, ReplicaProbe.ParseQueue("""{"models":[{"model":"a","running":2,"queued":3,"slots":4},{"model":"b","running":4,"queued":0,"slots":4}]}"""));

    [Theory]
    [InlineData("""{"error":"not found"}""")]
    [InlineData("404 page not found")]
    public void AnAnswerThatIsNotAQueueReadsAsNone(string body) => Assert.Null(ReplicaProbe.ParseQueue(body));

    [Fact]
    public void VllmAndLlamaCppGaugesAreSummedAndOthersIgnored()
    {
        const string metrics = """
            # HELP vllm:num_requests_running Number of requests currently running on GPU.
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{model_name="qwen, 7b"} 3.0
            vllm:num_requests_waiting{model_name="qwen, 7b"} 2.0
            vllm:gpu_cache_usage_perc{model_name="qwen, 7b"} 0.5
            llamacpp:requests_processing 1
            llamacpp:requests_deferred 4
            takase_http_requests_total{route="/v1/chat/completions",method="POST",status="200"} 120
            """;
        Assert.Equal(10, ReplicaProbe.ParseMetrics(metrics));
    }

    [Fact]
    public void MetricsWithoutALoadGaugeReadAsNone() =>
        Assert.Null(ReplicaProbe.ParseMetrics("process_cpu_seconds_total 12.5\n"));

    [Theory]
    [InlineData("http://10.0.0.5:11434/v1", "http://10.0.0.5:11434/")]
    [InlineData("http://10.0.0.5:8000/v1/", "http://10.0.0.5:8000/")]
    [InlineData("https://gw.example/llm/v1", "https://gw.example/llm/")]
    public void TheProbeAsksTheServerRootUnderTheV1Endpoint(string endpoint, string root) =>
        Assert.Equal(new Uri(root), ReplicaProbe.RootOf(new Uri(endpoint)));
}
