using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Takase.Benchmarks;

/// <summary>A benchmark that knows how many bytes of memory one invocation streams.</summary>
public interface IWeightBytes
{
    /// <summary>Bytes read (and written) by one invocation.</summary>
    long WeightBytes { get; }
}

/// <summary>Adds a GB/s column (bytes of one invocation ÷ mean time) to the default columns.</summary>
public sealed class BandwidthConfig : ManualConfig
{
    public BandwidthConfig() => AddColumn(new BytesPerSecondColumn());

    private sealed class BytesPerSecondColumn : IColumn
    {
        public string Id => "GBps";
        public string ColumnName => "GB/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Bytes streamed per invocation divided by the mean time (10^9 bytes per second)";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is not { } stats) return "-";
            // Re-create the benchmark object with its parameters to ask its byte count (setup only, not timed).
            var instance = (IWeightBytes)Activator.CreateInstance(benchmarkCase.Descriptor.Type)!;
            foreach (var p in benchmarkCase.Parameters.Items)
                benchmarkCase.Descriptor.Type.GetProperty(p.Name)!.SetValue(instance, p.Value);
            benchmarkCase.Descriptor.GlobalSetupMethod?.Invoke(instance, null);
            return (instance.WeightBytes / stats.Mean).ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
