using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Npgsql;
using Platform.ServiceDefaults.Resilience;
using StackExchange.Redis;

namespace Platform.IntegrationTests.Resilience;

/// <summary>The platform's one set of resilience rules, as pure logic (no graph): what is retried, and how long it waits.</summary>
[Trait("Category", "contract")]
public sealed class ResilienceRulesTests
{
    public static TheoryData<Exception, bool> Failures => new()
    {
        { new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)), true },
        { new SocketException((int)SocketError.ConnectionReset), true },
        { new TimeoutException(), true },
        { new NpgsqlException("the server went away", new TimeoutException()), true },
        { new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "no connection", null, CommandStatus.Unknown), true },
        { new InvalidOperationException("wrapped", new TimeoutException()), true },
        // A bad request body is an IOException too: the client's problem, never a dependency's outage.
        { new BadHttpRequestException("malformed JSON"), false },
        { new ArgumentException("a bug"), false },
        { new InvalidOperationException("a bug"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Only_failures_of_the_way_to_a_dependency_are_transient(Exception failure, bool transient)
        => Assert.Equal(transient, ResilienceRules.IsTransient(failure));

    [Theory]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.BadGateway, true)]
    [InlineData(HttpStatusCode.RequestTimeout, true)]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.NotImplemented, false)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    [InlineData(HttpStatusCode.Conflict, false)]
    [InlineData(HttpStatusCode.OK, false)]
    public void Answers_that_may_differ_next_time_are_transient(HttpStatusCode status, bool transient)
        => Assert.Equal(transient, ResilienceRules.IsTransient(status));

    [Fact]
    public void Only_idempotent_methods_may_be_sent_twice()
    {
        Assert.All(new[] { HttpMethod.Get, HttpMethod.Head, HttpMethod.Options, HttpMethod.Put, HttpMethod.Delete }, m => Assert.True(ResilienceRules.IsIdempotent(m), m.Method));
        Assert.All(new[] { HttpMethod.Post, HttpMethod.Patch }, m => Assert.False(ResilienceRules.IsIdempotent(m), m.Method));
    }

    [Fact]
    public void The_backoff_doubles_with_jitter_up_to_its_ceiling()
    {
        for (var attempt = 1; attempt <= 12; attempt++)
        {
            var nominal = Math.Min(100 * Math.Pow(2, attempt - 1), 2000);
            var delays = Enumerable.Range(0, 200).Select(_ => ResilienceRules.Backoff(attempt, ResilienceRules.ReconnectCeiling).TotalMilliseconds).ToList();
            Assert.All(delays, d => Assert.InRange(d, nominal * 0.8, nominal * 1.2));
            Assert.True(delays.Distinct().Count() > 1, "the waits are jittered");
        }
    }
}
