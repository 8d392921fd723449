using System.Security.Cryptography;
using System.Text;

namespace Platform.Auth.Accounts;

/// <summary>
/// What SCRAM-SHA-256 (RFC 5802, 7677) needs to check a password without holding it: a salt, an iteration count, and
/// the stored and server keys derived from the salted password, kept as PostgreSQL keeps them
/// (<c>SCRAM-SHA-256$iterations:salt$storedKey:serverKey</c>, base64). Made when the password is known: at a login.
/// </summary>
public sealed record ScramVerifier(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    public const int DefaultIterations = 4096;

    public static ScramVerifier FromPassword(string password, byte[]? salt = null, int iterations = DefaultIterations)
    {
        salt ??= RandomNumberGenerator.GetBytes(16);
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        return new ScramVerifier(salt, iterations, SHA256.HashData(HMACSHA256.HashData(salted, "Client Key"u8)), HMACSHA256.HashData(salted, "Server Key"u8));
    }

    public override string ToString()
        => $"SCRAM-SHA-256${Iterations}:{Convert.ToBase64String(Salt)}${Convert.ToBase64String(StoredKey)}:{Convert.ToBase64String(ServerKey)}";

    public static ScramVerifier Parse(string text)
    {
        var parts = text.Split('$');
        var (head, keys) = (parts[1].Split(':'), parts[2].Split(':'));
        return new ScramVerifier(Convert.FromBase64String(head[1]), int.Parse(head[0], System.Globalization.CultureInfo.InvariantCulture),
            Convert.FromBase64String(keys[0]), Convert.FromBase64String(keys[1]));
    }
}
