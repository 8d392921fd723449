namespace Platform.Hosting.Chaos;

/// <summary>
/// What a fault proxy does to one direction of an edge's traffic. Combine freely; <see cref="None"/> forwards untouched.
/// </summary>
public sealed record EdgeFault
{
    public static readonly EdgeFault None = new();

    /// <summary>Added before each chunk is forwarded.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Uniform extra delay in [0, Jitter) on top of <see cref="Latency"/>.</summary>
    public TimeSpan Jitter { get; init; }

    /// <summary>Bytes per second; 0 = unlimited.</summary>
    public long Bandwidth { get; init; }

    /// <summary>
    /// Chance that a connection is reset (RST to both sides): rolled once per connection and direction, when it first
    /// carries data under this setting, so 0.05 resets about 5% of the connections, open ones and new ones alike.
    /// </summary>
    public double ResetProbability { get; init; }

    /// <summary>A partition: connections are accepted but bytes go nowhere, in either direction.</summary>
    public bool Blackhole { get; init; }

    /// <summary>When one side closes, wait this long before closing the other.</summary>
    public TimeSpan SlowClose { get; init; }

    /// <summary>A flapping link: blackholed for one period, healthy for the next, and so on (0 = no flapping).</summary>
    public TimeSpan FlapPeriod { get; init; }

    public bool IsNone => this == None;
}

/// <summary>The faults of one edge: client-to-server (upstream) and server-to-client (downstream).</summary>
public sealed record EdgeFaults(EdgeFault Upstream, EdgeFault Downstream)
{
    public static readonly EdgeFaults None = new(EdgeFault.None, EdgeFault.None);

    /// <summary>The same fault both ways.</summary>
    public static EdgeFaults Both(EdgeFault fault) => new(fault, fault);
}
