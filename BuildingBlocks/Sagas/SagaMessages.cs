namespace Platform.Sagas;

/// <summary>Orchestrator to step: do your part. <see cref="Data"/> is the saga's data (a JSON object).</summary>
public sealed record ExecuteSagaStep(Guid SagaId, string Saga, string Step, int Attempt, string Data, string ReplyTo, string? Fault);

/// <summary>Orchestrator to step: undo your part, or make sure it never happens (the step may not have run yet).</summary>
public sealed record CompensateSagaStep(Guid SagaId, string Saga, string Step, int Attempt, string Data, string ReplyTo);

/// <summary>Step to orchestrator: done; <see cref="Output"/> (a JSON object, or null) is merged into the saga's data.</summary>
public sealed record SagaStepCompleted(Guid SagaId, string Saga, string Step, string? Output);

/// <summary>Step to orchestrator: could not do it, and left nothing behind.</summary>
public sealed record SagaStepFailed(Guid SagaId, string Saga, string Step, string Reason);

/// <summary>Step to orchestrator: undone (or made impossible).</summary>
public sealed record SagaStepCompensated(Guid SagaId, string Saga, string Step);

/// <summary>The orchestrator to itself, through the durable schedule: that step's answer is late.</summary>
public sealed record SagaStepTimedOut(Guid SagaId, string Saga, string Step, int Attempt);
