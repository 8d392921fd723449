using Aspire.Hosting.ApplicationModel;

namespace Platform.Hosting.Redis;

/// <summary>
/// A Redis primary with replicas, watched by Sentinels that promote a replica when the primary dies. Services connect
/// through the Sentinels (StackExchange.Redis's <c>serviceName=</c>), so they follow a failover without a restart.
/// </summary>
public sealed class RedisSentinelGroup(string name, ParameterResource password) : Resource(name), IResourceWithConnectionString
{
    /// <summary>The name the Sentinels know the group by.</summary>
    public const string ServiceName = "mymaster";

    public ParameterResource Password { get; } = password;

    /// <summary>The Sentinels, whose addresses the connection string names.</summary>
    public List<RedisProcessResource> Sentinels { get; } = [];

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var expression = new ReferenceExpressionBuilder();
            foreach (var sentinel in Sentinels)
            {
                expression.Append($"{sentinel.PrimaryEndpoint.Property(EndpointProperty.IPV4Host)}:{sentinel.PrimaryEndpoint.Property(EndpointProperty.Port)},");
            }

            expression.Append($"serviceName={ServiceName},password={Password}");
            return expression.Build();
        }
    }
}
