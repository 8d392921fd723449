namespace Platform.Query.Execution;

/// <summary>A query that cannot be answered: the engine refused its SQL (400), or partitions have no live copy (503); the message names what.</summary>
public sealed class QueryFailedException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
