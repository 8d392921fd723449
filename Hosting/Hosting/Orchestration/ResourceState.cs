namespace Platform.Hosting.Orchestration;

public enum ResourceState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Healthy,
    Unhealthy,
    Paused,
    Stopping,
    Stopped,
    Exited,
    FailedToStart,
}
