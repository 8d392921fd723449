using System.Net.Mail;

namespace Platform.Auth.Accounts;

// Every field is nullable so a missing one is a validation error with its name, not a binding failure.
public sealed record RegisterRequest(string? Email, string? Password, string? DisplayName, string? Organization);

public sealed record LoginRequest(string? Email, string? Password);

public sealed record RefreshRequest(string? RefreshToken);

/// <summary>SCRAM sign-in: the client's first message with the account's email, then its final message with the exchange's id.</summary>
public sealed record ScramStartRequest(string? Email, string? ClientFirst);

public sealed record ScramFinishRequest(string? Exchange, string? ClientFinal);

internal static class AuthValidation
{
    public const int MinPasswordLength = 12;
    public const int MaxPasswordLength = 256;

    public static Dictionary<string, string[]> Validate(RegisterRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (!IsEmail(request.Email))
        {
            errors["email"] = ["A valid email address is required."];
        }

        if (request.Password is null || request.Password.Length < MinPasswordLength)
        {
            errors["password"] = [$"The password needs at least {MinPasswordLength} characters."];
        }
        else if (request.Password.Length > MaxPasswordLength)
        {
            errors["password"] = [$"The password can have at most {MaxPasswordLength} characters."];
        }

        if (string.IsNullOrWhiteSpace(request.DisplayName) || request.DisplayName.Length > 100)
        {
            errors["displayName"] = ["A display name of 1 to 100 characters is required."];
        }

        if (request.Organization is { } organization && (string.IsNullOrWhiteSpace(organization) || organization.Length > 100))
        {
            errors["organization"] = ["An organization name has 1 to 100 characters."];
        }

        return errors;
    }

    private static bool IsEmail(string? value)
        => value is { Length: > 2 and <= 254 }
           && MailAddress.TryCreate(value.Trim(), out var address)
           && address.Address == value.Trim();
}
