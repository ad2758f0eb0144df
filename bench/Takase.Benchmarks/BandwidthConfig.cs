using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Takase.Benchmarks;

/// <summary>
/// A benchmark that knows how many bytes of memory one invocation must move at the least: every input read once and
/// every output written once (a kernel that passes over its data several times still counts it once), so GB/s says how
/// close the kernel comes to the memory system's limit.
/// </summary>
public interface IBytesPerInvocation
{
    /// <summary>Bytes read plus bytes written by one invocation; 0 when moving data is not the point (pool overhead).
    /// Benchmarks that can answer from their parameters alone spare the column a second setup.</summary>
    long BytesPerInvocation { get; }

    /// <summary>The bytes of benchmark method <paramref name="method"/>, where a class's methods move different amounts.</summary>
    long BytesOf(string method) => BytesPerInvocation;
}

/// <summary>A benchmark that processes several input columns (tokens of a prompt, or sequences) per invocation.</summary>
public interface IColumnsPerInvocation
{
    /// <summary>Input columns (tokens or sequences) handled by one invocation.</summary>
    int ColumnsPerInvocation { get; }
}

/// <summary>Adds a GB/s column (bytes of one invocation ÷ mean time) and, where a benchmark has them, a columns/s
/// column to the default columns. Compare GB/s with <see cref="MemoryBandwidthBenchmarks"/> on the same run.</summary>
public sealed class BandwidthConfig : ManualConfig
{
    public BandwidthConfig()
    {
        AddColumn(new RateColumn("GBps", "GB/s", "Bytes moved per invocation (inputs read once, outputs written once) ÷ mean time, 10^9 bytes/s",
            typeof(IBytesPerInvocation), (instance, method) => ((IBytesPerInvocation)instance).BytesOf(method) is > 0 and var b ? b : null, perNanosecond: 1));
        AddColumn(new RateColumn("ColsPerSec", "Columns/s", "Input columns (tokens or sequences) per invocation ÷ mean time",
            typeof(IColumnsPerInvocation), (instance, _) => ((IColumnsPerInvocation)instance).ColumnsPerInvocation, perNanosecond: 1e9));
    }

    /// <summary>A quantity of one invocation, asked of a fresh benchmark object with the case's parameters, ÷ the mean time.</summary>
    private sealed class RateColumn(string id, string name, string legend, Type kind, Func<object, string, double?> quantity, double perNanosecond) : IColumn
    {
        public string Id => id;
        public string ColumnName => name;
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => legend;
        public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => kind.IsAssignableFrom(c.Descriptor.Type));
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            if (summary[benchmarkCase]?.ResultStatistics is not { } stats) return "-";
            if (!kind.IsAssignableFrom(benchmarkCase.Descriptor.Type) || quantity(Instances.For(benchmarkCase), benchmarkCase.Descriptor.WorkloadMethod.Name) is not { } amount) return "-";
            var rate = amount / stats.Mean * perNanosecond; // Mean is in nanoseconds
            return rate.ToString(rate >= 1000 ? "N0" : "F2", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>One benchmark object per case with its parameters set, shared by the columns: the global setup runs
    /// (untimed, in the host process) only when the object cannot state its bytes from the parameters alone.</summary>
    private static class Instances
    {
        private static readonly Dictionary<BenchmarkCase, object> Cache = [];

        public static object For(BenchmarkCase benchmarkCase)
        {
            lock (Cache)
            {
                if (Cache.TryGetValue(benchmarkCase, out var cached)) return cached;
                var type = benchmarkCase.Descriptor.Type;
                var instance = Activator.CreateInstance(type)!;
                foreach (var p in benchmarkCase.Parameters.Items)
                    type.GetProperty(p.Name)!.SetValue(instance, p.Value);
                if (instance is IBytesPerInvocation b && b.BytesOf(benchmarkCase.Descriptor.WorkloadMethod.Name) == 0)
                    benchmarkCase.Descriptor.GlobalSetupMethod?.Invoke(instance, null);
                return Cache[benchmarkCase] = instance;
            }
        }
    }
}
