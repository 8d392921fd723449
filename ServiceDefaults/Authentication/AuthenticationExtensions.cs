using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Platform.ServiceDefaults.Problems;

namespace Platform.ServiceDefaults.Authentication;

/// <summary>Authorization policies every service knows.</summary>
public static class ServicePolicies
{
    /// <summary>Only the platform's own services (tokens with the service role).</summary>
    public const string Service = "service";
}

internal static class AuthenticationExtensions
{
    /// <summary>
    /// Bearer tokens validated against the auth service's signing keys, fetched from its JWKS through service
    /// discovery (http://auth) and refreshed when an unknown key id appears. 401/403 are problem+json.
    /// </summary>
    public static void AddPlatformAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IHttpClientFactory, IServiceProvider>((options, clients, services) =>
        {
            options.MapInboundClaims = false;
            options.SaveToken = true; // a service that calls others on the caller's behalf reads it back with GetTokenAsync("access_token")
            options.RequireHttpsMetadata = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = PlatformClaims.Issuer,
                ValidAudience = PlatformClaims.Audience,
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                ClockSkew = TimeSpan.FromSeconds(5),
                NameClaimType = PlatformClaims.Name,
                RoleClaimType = PlatformClaims.Role,
            };
            options.ConfigurationManager ??= new ConfigurationManager<OpenIdConnectConfiguration>(
                "http://auth/.well-known/openid-configuration",
                new OpenIdConnectConfigurationRetriever(),
                new HttpDocumentRetriever(clients.CreateClient("jwks")) { RequireHttps = false })
            {
                AutomaticRefreshInterval = TimeSpan.FromMinutes(10),
                RefreshInterval = TimeSpan.FromSeconds(1),
            };
            options.Events = new JwtBearerEvents
            {
                OnTokenValidated = async context =>
                {
                    if (services.GetService<RevokedTokens>() is { } revoked
                        && await revoked.IsRevokedAsync(context.Principal?.FindFirst(PlatformClaims.Family)?.Value))
                    {
                        context.Fail("The token has been revoked.");
                    }
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    var detail = context.AuthenticateFailure switch
                    {
                        null => "A bearer token is required.",
                        SecurityTokenExpiredException => "The token has expired.",
                        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The token signature is not valid.",
                        { Message: var m } when m.Contains("revoked", StringComparison.Ordinal) => "The token has been revoked.",
                        _ => "The token is not valid.",
                    };
                    context.Response.Headers.WWWAuthenticate = "Bearer";
                    await WriteProblemAsync(context.HttpContext, 401, ProblemTypes.Unauthorized, "Unauthorized", detail);
                },
                OnForbidden = context => WriteProblemAsync(context.HttpContext, 403, ProblemTypes.Forbidden, "Forbidden", "The token does not allow this."),
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ServicePolicies.Service, policy => policy.RequireAuthenticatedUser().RequireRole(PlatformClaims.ServiceRole));
    }

    private static Task WriteProblemAsync(HttpContext context, int status, string type, string title, string detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
        }).AsTask();
    }
}
