namespace Platform.Caching;

/// <summary>A cached value that knows which version of its source it shows (for an event-sourced read, the stream version).</summary>
public interface IVersioned
{
    long Version { get; }
}
