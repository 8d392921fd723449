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

    private sealed record Exchange(Account? Account, ScramVerifier Verifier, string ClientFirstBare, string ServerFirst, string Nonce, DateTimeOffset Expires);

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

        var verifier = account?.ScramVerifier is { } stored
            ? ScramVerifier.Parse(stored)
            : ScramVerifier.FromPassword(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)),
                HMACSHA256.HashData(_decoySecret, Encoding.UTF8.GetBytes(AccountStore.Normalize(email)))[..16]);
        var nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        var serverFirst = $"r={nonce},s={Convert.ToBase64String(verifier.Salt)},i={verifier.Iterations}";
        var id = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _open[id] = new Exchange(account?.ScramVerifier is null ? null : account, verifier, bare, serverFirst, nonce, clock.GetUtcNow() + Lifetime);
        return (id, serverFirst);
    }

    /// <summary>The account and the server-final message when the client's proof holds; null otherwise (the exchange ends either way).</summary>
    public (Account Account, string ServerFinal)? Finish(string id, string clientFinal)
    {
        if (!_open.TryRemove(id, out var exchange) || exchange.Expires < clock.GetUtcNow())
        {
            return null;
        }

        var proofAt = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0 || Attribute(clientFinal, 'r') != exchange.Nonce)
        {
            return null;
        }

        var withoutProof = clientFinal[..proofAt];
        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(clientFinal[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return null;
        }

        var authMessage = Encoding.UTF8.GetBytes($"{exchange.ClientFirstBare},{exchange.ServerFirst},{withoutProof}");
        var signature = HMACSHA256.HashData(exchange.Verifier.StoredKey, authMessage);
        if (proof.Length != signature.Length)
        {
            return null;
        }

        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ signature[i]);
        }

        if (exchange.Account is null || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(clientKey), exchange.Verifier.StoredKey))
        {
            return null;
        }

        return (exchange.Account, $"v={Convert.ToBase64String(HMACSHA256.HashData(exchange.Verifier.ServerKey, authMessage))}");
    }

    private static string? Attribute(string message, char name)
        => message.Split(',').FirstOrDefault(p => p.Length > 2 && p[0] == name && p[1] == '=')?[2..];
}
