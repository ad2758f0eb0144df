namespace Takase.Engine.Generation;

/// <summary>Work that occupies a <see cref="SequenceSlot"/> and advances a step at a time under a scheduler.</summary>
public interface ISequenceRun
{
    /// <summary>True once the run has ended; its last event was published.</summary>
    bool IsFinished { get; }
    /// <summary>Does one unit of work (at most <paramref name="prefillBudget"/> prompt tokens, or one generated token).</summary>
    void Step(int prefillBudget, List<GenerationEvent> events);
    /// <summary>Ends the run now.</summary>
    void Cancel(List<GenerationEvent> events);
}
