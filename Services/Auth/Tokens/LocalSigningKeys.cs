using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Platform.ServiceDefaults.Authentication;

namespace Platform.Auth.Tokens;

/// <summary>Lets this service's JWT handler validate against the keys it holds, instead of fetching its own JWKS over HTTP.</summary>
internal sealed class LocalSigningKeys(SigningKeys keys) : IConfigurationManager<OpenIdConnectConfiguration>
{
    public Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        var configuration = new OpenIdConnectConfiguration { Issuer = PlatformClaims.Issuer };
        foreach (var key in keys.All)
        {
            configuration.SigningKeys.Add(key);
        }

        return Task.FromResult(configuration);
    }

    public void RequestRefresh()
    {
    }
}
