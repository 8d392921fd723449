using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Platform.Auth.Accounts;

/// <summary>
/// SCRAM-SHA-256 sign-in, for clients that speak it (the SQL system's PostgreSQL endpoint relays psql's and Npgsql's
/// messages here): the client's first message answered with a nonce, salt and iteration count, its proof checked
/// against the stored key, the server's signature returned with tokens. An exchange lives 30 s in this process. An
/// unknown account gets a salt derived from its email, so the first answer does not tell whether it exists.
/// </summary>
internal sealed class ScramExchanges(TimeProvider clock)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, Exchange> _open = new();
    private readonly byte[] _decoySecret = RandomNumberGenerator.GetBytes(32);

    private sealed record Exchange(string Email, Account? Account, ScramVerifier Verifier, string ClientFirstBare, string ServerFirst, string Nonce, DateTimeOffset Expires);

    /// <summary>How an exchange ended: the email it was for (for the failed-login throttle), and the account and server-final message when the proof held.</summary>
    public sealed record Outcome(string? Email, Account? Account, string? ServerFinal);

    /// <summary>The server-first message and the exchange's id, or null when the client's message is not SCRAM's.</summary>
    public (string Id, string ServerFirst)? Start(Account? account, string email, string clientFirst)
    {
        foreach (var stale in _open.Where(e => e.Value.Expires < clock.GetUtcNow()).Select(e => e.Key).ToList())
        {
            _open.TryRemove(stale, out _);
        }

        // gs2 header: "n,," (no channel binding) or "y,," (the client could but the server did not offer it).
        if (!(clientFirst.StartsWith("n,,", StringComparison.Ordinal) || clientFirst.StartsWith("y,,", StringComparison.Ordinal)))
        {
            return null;
        }

        var bare = clientFirst[3..];
        var clientNonce = Attribute(bare, 'r');
        if (string.IsNullOrEmpty(clientNonce))
        {
            return null;
        }

        var verifier = account?.ScramVerifier is { } stored ? ScramVerifier.Parse(stored) : Decoy(email);
        var nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var serverFirst = $"r={nonce},s={Convert.ToBase64String(verifier.Salt)},i={verifier.Iterations}";
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _open[id] = new Exchange(email, account?.ScramVerifier is null ? null : account, verifier, bare, serverFirst, nonce, clock.GetUtcNow() + Lifetime);
        return (id, serverFirst);
    }

    /// <summary>Ends the exchange: with the account and the server-final message when the client's proof holds.</summary>
    public Outcome Finish(string id, string clientFinal)
    {
        if (!_open.TryRemove(id, out var exchange) || exchange.Expires < clock.GetUtcNow())
        {
            return new Outcome(null, null, null);
        }

        var failed = new Outcome(exchange.Email, null, null);

        var proofAt = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0 || Attribute(clientFinal, 'r') != exchange.Nonce)
        {
            return failed;
        }

        var withoutProof = clientFinal[..proofAt];
        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(clientFinal[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return failed;
        }

        var authMessage = Encoding.UTF8.GetBytes($"{exchange.ClientFirstBare},{exchange.ServerFirst},{withoutProof}");
        var signature = HMACSHA256.HashData(exchange.Verifier.StoredKey, authMessage);
        if (proof.Length != signature.Length)
        {
            return failed;
        }

        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ signature[i]);
        }

        if (exchange.Account is null || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), exchange.Verifier.StoredKey))
        {
            return failed;
        }

        return new Outcome(exchange.Email, exchange.Account, $"v={Convert.ToBase64String(HMACSHA256.HashData(exchange.Verifier.ServerKey, authMessage))}");
    }

    /// <summary>
    /// A verifier for an email without one: a salt stable per email, keys no proof can match (<see cref="Finish"/>
    /// refuses an exchange without an account anyway), and no key derivation, so it answers as fast as a real one.
    /// </summary>
    private ScramVerifier Decoy(string email)
    {
        var seed = Encoding.UTF8.GetBytes(AccountStore.Normalize(email));
        return new ScramVerifier(HMACSHA256.HashData(_decoySecret, seed)[..16], ScramVerifier.DefaultIterations,
            HMACSHA256.HashData(_decoySecret, Encoding.UTF8.GetBytes("stored|" + email)), HMACSHA256.HashData(_decoySecret, Encoding.UTF8.GetBytes("server|" + email)));
    }

    private static string? Attribute(string message, char name)
        => message.Split(',').FirstOrDefault(p => p.Length > 2 && p[0] == name && p[1] == '=')?[2..];
}
