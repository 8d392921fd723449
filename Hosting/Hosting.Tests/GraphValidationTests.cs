using Platform.Hosting.Postgres;
using Platform.Hosting.Redis;
using Platform.Hosting.Testing;

namespace Platform.Hosting.Tests;

[Trait("Category", "smoke")]
public sealed class GraphValidationTests
{
    [Fact]
    public void Duplicate_names_are_rejected_whatever_their_case()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddRedis("cache");
        var error = Assert.Throws<DistributedApplicationException>(() => builder.AddRedis("Cache"));
        Assert.Contains("'Cache' already exists", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wait_cycle_is_rejected_with_its_path()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var a = builder.AddExecutable("a", "true", "/");
        var b = builder.AddExecutable("b", "true", "/");
        var c = builder.AddExecutable("c", "true", "/");
        a.WaitFor(b);
        b.WaitFor(c);
        c.WaitFor(a);

        var error = Assert.Throws<DistributedApplicationException>(() => builder.Build());
        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
        Assert.Contains("a -> b -> c -> a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Projects_may_reference_each_other()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var auth = builder.AddProject<FakeProject>("auth");
        var users = builder.AddProject<FakeProject>("users").WithReference(auth);
        auth.WithReference(users);

        var exception = Record.Exception(() => ValidateOnly(builder));
        Assert.Null(exception);
    }

    [Fact]
    public void A_reference_to_a_resource_outside_the_graph_is_rejected()
    {
        var other = DistributedApplicationTestingBuilder.Create();
        var foreignDb = other.AddPostgres("pg").AddDatabase("db");
        var builder = DistributedApplicationTestingBuilder.Create();
        builder.AddExecutable("app", "true", "/").WithReference(foreignDb);

        var error = Assert.Throws<DistributedApplicationException>(() => builder.Build());
        Assert.Contains("'app' depends on 'db', which is not part of this graph", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replicas_need_at_least_one()
        => Assert.Throws<ArgumentOutOfRangeException>(() => DistributedApplicationTestingBuilder.Create().AddProject<FakeProject>("api").WithReplicas(0));

    private static void ValidateOnly(IDistributedApplicationBuilder builder) => GraphValidator.Validate(builder.Resources);

    private sealed class FakeProject : IProjectMetadata
    {
        public string ProjectPath => "/nowhere/Fake.csproj";

        public string TargetPath => "/nowhere/Fake.dll";
    }
}
