namespace Platform.Hosting;

/// <summary>The graph is invalid or could not start; the message says which resource and why.</summary>
public sealed class DistributedApplicationException : Exception
{
    public DistributedApplicationException(string message) : base(message)
    {
    }

    public DistributedApplicationException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public DistributedApplicationException()
    {
    }
}
