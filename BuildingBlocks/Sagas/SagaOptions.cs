namespace Platform.Sagas;

/// <summary>Configuration section <c>Sagas</c>.</summary>
public sealed class SagaOptions
{
    /// <summary>How long the orchestrator waits for a step's answer before compensating (or asking a compensation again).</summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Test-only: honour a saga's injected faults (a step told to fail, hang or throw). Off unless configured; the test
    /// host's graph turns it on.
    /// </summary>
    public bool AllowFaultInjection { get; set; }
}
