namespace Platform.Workspaces.Domain;

/// <summary>What a command decided: the events to append, or why it was refused (status + problem type slug).</summary>
public sealed record Decision(IReadOnlyList<object> Events, Rejection? Rejection)
{
    public static Decision Accept(params object[] events) => new(events, null);

    public static Decision Reject(int status, string detail, IDictionary<string, string[]>? errors = null) => new([], new Rejection(status, detail, errors));

    public static Decision Invalid(string field, string message) => Reject(400, "One or more fields are invalid.", new Dictionary<string, string[]> { [field] = [message] });
}

public sealed record Rejection(int Status, string Detail, IDictionary<string, string[]>? Errors);
