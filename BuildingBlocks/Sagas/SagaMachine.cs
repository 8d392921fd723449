using System.Text.Json.Nodes;

namespace Platform.Sagas;

public static class SagaStatus
{
    public const string Running = "running";
    public const string Compensating = "compensating";
    public const string Completed = "completed";
    public const string Failed = "failed";
}

/// <summary>A saga's durable state. <see cref="Attempt"/> numbers every command sent, so a late timeout is recognised as stale.</summary>
public sealed record SagaState(
    Guid Id, string Saga, string Status, int Step, int Attempt, JsonObject Data, IReadOnlyDictionary<string, string>? Faults, string? Error, int Version)
{
    public bool Ended => Status is SagaStatus.Completed or SagaStatus.Failed;
}

public enum SagaCommandKind
{
    Execute,
    Compensate,
    Timeout,
}

/// <summary>Something the orchestrator sends as the result of a transition.</summary>
public sealed record SagaCommand(SagaCommandKind Kind, string Step, int Attempt);

public sealed record SagaDecision(SagaState Next, IReadOnlyList<SagaCommand> Commands);

/// <summary>
/// The transitions of an orchestrated saga, as a pure function of its state and a step's answer (no I/O, so every path
/// is unit-tested). A message that does not fit the current state (a duplicate, a late answer, a stale timeout) yields
/// no decision and changes nothing.
/// </summary>
public static class SagaMachine
{
    public static SagaDecision Start(SagaDefinition saga, Guid id, JsonObject data, IReadOnlyDictionary<string, string>? faults)
    {
        var first = saga.Steps[0].Name;
        return new SagaDecision(new SagaState(id, saga.Name, SagaStatus.Running, 0, 1, data, faults, null, 0), Run(SagaCommandKind.Execute, first, 1));
    }

    public static SagaDecision? Decide(SagaDefinition saga, SagaState state, object message, TimeSpan stepTimeout)
    {
        var current = saga.Steps[state.Step].Name;
        return message switch
        {
            SagaStepCompleted m when state.Status == SagaStatus.Running && m.Step == current => Advance(saga, state, m.Output),
            SagaStepFailed m when state.Status == SagaStatus.Running && m.Step == current => BeginCompensation(state, current, m.Reason),
            SagaStepTimedOut m when m.Step == current && m.Attempt == state.Attempt && state.Status == SagaStatus.Running
                => BeginCompensation(state, current, $"The {current} step did not answer within {stepTimeout.TotalSeconds:0.#} s."),
            SagaStepTimedOut m when m.Step == current && m.Attempt == state.Attempt && state.Status == SagaStatus.Compensating
                => Next(state with { Attempt = state.Attempt + 1 }, SagaCommandKind.Compensate, current), // ask again until it is undone
            SagaStepCompensated m when state.Status == SagaStatus.Compensating && m.Step == current => CompensateEarlier(saga, state),
            _ => null,
        };
    }

    private static SagaDecision Advance(SagaDefinition saga, SagaState state, string? output)
    {
        var data = (JsonObject)state.Data.DeepClone();
        if (output is not null && JsonNode.Parse(output) is JsonObject values)
        {
            foreach (var (name, value) in values)
            {
                data[name] = value?.DeepClone();
            }
        }

        if (state.Step + 1 == saga.Steps.Count)
        {
            return new SagaDecision(state with { Status = SagaStatus.Completed, Data = data }, []);
        }

        return Next(state with { Step = state.Step + 1, Attempt = state.Attempt + 1, Data = data }, SagaCommandKind.Execute, saga.Steps[state.Step + 1].Name);
    }

    // The failed (or silent) step is compensated too: it may still happen late, and its compensation makes sure it cannot.
    private static SagaDecision BeginCompensation(SagaState state, string current, string reason)
        => Next(state with { Status = SagaStatus.Compensating, Attempt = state.Attempt + 1, Error = reason }, SagaCommandKind.Compensate, current);

    private static SagaDecision CompensateEarlier(SagaDefinition saga, SagaState state)
        => state.Step == 0
            ? new SagaDecision(state with { Status = SagaStatus.Failed }, [])
            : Next(state with { Step = state.Step - 1, Attempt = state.Attempt + 1 }, SagaCommandKind.Compensate, saga.Steps[state.Step - 1].Name);

    private static SagaDecision Next(SagaState state, SagaCommandKind kind, string step) => new(state, Run(kind, step, state.Attempt));

    private static SagaCommand[] Run(SagaCommandKind kind, string step, int attempt) => [new(kind, step, attempt), new(SagaCommandKind.Timeout, step, attempt)];
}
