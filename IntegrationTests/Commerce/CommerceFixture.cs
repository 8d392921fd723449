using Platform.IntegrationTests.Infrastructure;

namespace Platform.IntegrationTests.Commerce;

/// <summary>The AppHost's graph started with the commerce system only (<c>--Systems=commerce</c>), as a developer working on it does.</summary>
public sealed class CommerceFixture : PlatformFixture
{
    protected override string[] Arguments => ["--Systems=commerce"];
}

[CollectionDefinition(Name)]
public sealed class CommerceCollection : ICollectionFixture<CommerceFixture>
{
    public const string Name = "commerce";
}
