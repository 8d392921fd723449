namespace Platform.EventStore;

/// <summary>
/// The stream was not at the version the writer expected (or already exists when starting it). APIs answer 409, or
/// 412 when the expectation came from the client's If-Match.
/// </summary>
public sealed class StreamConflictException(Guid streamId, long? expectedVersion, long? actualVersion)
    : Exception($"Stream {streamId} is at version {actualVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, expected {expectedVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "a new stream"}.")
{
    public Guid StreamId { get; } = streamId;

    public long? ExpectedVersion { get; } = expectedVersion;

    public long? ActualVersion { get; } = actualVersion;
}
