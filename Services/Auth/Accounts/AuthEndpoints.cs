using System.Security.Claims;
using Platform.Auth.Registration;
using Platform.Auth.Tokens;
using Platform.Sagas;
using Platform.ServiceDefaults.Authentication;
using Platform.ServiceDefaults.Problems;

namespace Platform.Auth.Accounts;

/// <summary>The auth contract of ARCHITECTURE.md: register, registrations, login, refresh, logout, JWKS.</summary>
internal static class AuthEndpoints
{
    private static readonly string[] SigningAlgorithms = ["RS256"];

    public static void MapAuthEndpoints(this WebApplication app)
    {
        var auth = app.MapGroup("/api/auth");
        auth.MapPost("/register", RegisterAsync);
        auth.MapGet("/registrations/{id:guid}", GetRegistrationAsync);
        auth.MapPost("/login", LoginAsync);
        auth.MapPost("/refresh", RefreshAsync);
        auth.MapPost("/scram/start", ScramStartAsync);
        auth.MapPost("/scram/finish", ScramFinishAsync);
        auth.MapPost("/logout", LogoutAsync).RequireAuthorization();

        app.MapGet("/.well-known/jwks.json", (SigningKeys keys, HttpResponse response) =>
        {
            response.Headers.CacheControl = "public, max-age=300";
            return Results.Bytes(keys.JwksDocument, "application/json");
        });
        app.MapGet("/.well-known/openid-configuration", (HttpRequest request) => Results.Json(new
        {
            issuer = PlatformClaims.Issuer,
            jwks_uri = $"{request.Scheme}://{request.Host}/.well-known/jwks.json",
            id_token_signing_alg_values_supported = SigningAlgorithms,
        }));
    }

    private static async Task<IResult> RegisterAsync(RegisterRequest request, RegistrationService registrations, HttpRequest http, SagaOptions sagas, CancellationToken cancellationToken)
    {
        var errors = AuthValidation.Validate(request);
        if (errors.Count > 0)
        {
            return Problem.Validation(errors);
        }

        var registration = await registrations.RegisterAsync(request.Email!, request.Password!, request.DisplayName!.Trim(), request.Organization?.Trim(), SagaFaults.From(http, sagas), cancellationToken);
        return registration is null
            ? Problem.Conflict("An account with this email already exists.")
            : Results.Accepted($"/api/auth/registrations/{registration.RegistrationId}", registration);
    }

    private static async Task<IResult> GetRegistrationAsync(Guid id, RegistrationService registrations, CancellationToken cancellationToken)
        => await registrations.FindAsync(id, cancellationToken) is { } registration
            ? Results.Ok(registration)
            : Problem.NotFound("There is no registration with this id.");

    private static async Task<IResult> LoginAsync(LoginRequest request, AccountStore accounts, PasswordHashing passwords, LoginThrottle throttle, TokenService tokens, HttpContext http, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.Password))
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["credentials"] = ["Email and password are required."] });
        }

        if (await throttle.RetryAfterAsync(request.Email) is { } wait)
        {
            return TooManyFailures(http, wait);
        }

        var account = await accounts.FindByEmailAsync(request.Email, cancellationToken);
        if (!await passwords.VerifyAsync(account, request.Password, cancellationToken) || account is null)
        {
            await throttle.RecordFailureAsync(request.Email);
            return Problem.Unauthorized("The email or password is wrong.");
        }

        await throttle.ResetAsync(request.Email);
        if (account.ScramVerifier is null)
        {
            await accounts.SetScramVerifierAsync(account.Id, ScramVerifier.FromPassword(request.Password), cancellationToken);
        }

        return Results.Ok(await tokens.IssueAsync(account, Guid.NewGuid(), cancellationToken));
    }

    private static async Task<IResult> ScramStartAsync(ScramStartRequest request, AccountStore accounts, ScramExchanges exchanges, LoginThrottle throttle, HttpContext http, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Email) || string.IsNullOrEmpty(request.ClientFirst) || request.ClientFirst.Length > 1000)
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["scram"] = ["An email and the client's first SCRAM message are required."] });
        }

        if (await throttle.RetryAfterAsync(request.Email) is { } wait)
        {
            return TooManyFailures(http, wait);
        }

        var account = await accounts.FindByEmailAsync(request.Email, cancellationToken);
        return exchanges.Start(account, request.Email, request.ClientFirst) is var (id, serverFirst)
            ? Results.Ok(new { exchange = id, serverFirst })
            : Problem.Validation(new Dictionary<string, string[]> { ["clientFirst"] = ["Not a SCRAM client-first message without channel binding."] });
    }

    private static async Task<IResult> ScramFinishAsync(ScramFinishRequest request, ScramExchanges exchanges, LoginThrottle throttle, TokenService tokens, HttpContext http, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Exchange) || string.IsNullOrEmpty(request.ClientFinal) || request.ClientFinal.Length > 1000)
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["scram"] = ["The exchange and the client's final SCRAM message are required."] });
        }

        var outcome = exchanges.Finish(request.Exchange, request.ClientFinal);
        if (outcome is not { Account: { } account, ServerFinal: { } serverFinal })
        {
            if (outcome.Email is { } email)
            {
                await throttle.RecordFailureAsync(email); // a wrong SCRAM proof is a wrong password: it counts as the login form's do
            }

            return Problem.Unauthorized("The SCRAM proof does not match (a wrong password, an unknown account, or an account that has not signed in with its password since SQL sign-in arrived).");
        }

        if (await throttle.RetryAfterAsync(account.Email) is { } wait)
        {
            return TooManyFailures(http, wait); // locked out while the exchange was open: a right proof does not lift it
        }

        await throttle.ResetAsync(account.Email);
        var pair = await tokens.IssueAsync(account, Guid.NewGuid(), cancellationToken);
        return Results.Ok(new { serverFinal, tenantId = account.TenantId, pair.AccessToken, pair.RefreshToken, pair.ExpiresIn });
    }

    private static async Task<IResult> RefreshAsync(RefreshRequest request, TokenService tokens, AccountStore accounts, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.RefreshToken) || request.RefreshToken.Length > 200)
        {
            return Problem.Validation(new Dictionary<string, string[]> { ["refreshToken"] = ["A refresh token is required."] });
        }

        var (outcome, pair) = await tokens.RefreshAsync(request.RefreshToken, accounts, cancellationToken);
        return outcome switch
        {
            RefreshOutcome.Rotated => Results.Ok(pair),
            RefreshOutcome.Reused => Problem.Unauthorized("This refresh token was already used; the session has been revoked."),
            _ => Problem.Unauthorized("The refresh token is not valid."),
        };
    }

    /// <summary>Revokes the token's family: its refresh tokens and every access token issued in it, this one included.</summary>
    private static async Task<IResult> LogoutAsync(ClaimsPrincipal user, TokenService tokens, CancellationToken cancellationToken)
    {
        var family = Guid.Parse(user.FindFirstValue(PlatformClaims.Family) ?? throw new InvalidOperationException("Token without a family."));
        await tokens.RevokeFamilyAsync(family, cancellationToken);
        return Results.NoContent();
    }

    private static IResult TooManyFailures(HttpContext http, TimeSpan wait)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem.Of(429, ProblemTypes.TooManyRequests, "Too many failed logins", "Too many failed logins for this account; try again later.");
    }
}
