using Platform.Query.Sql;

namespace Platform.Query.Planning;

/// <summary>A query that parses but cannot run (an unknown table or column, a misplaced aggregate): the client's error, a 400 naming where.</summary>
public sealed class PlanningException(string message, Position at) : Exception(message)
{
    public Position At { get; } = at;
}
