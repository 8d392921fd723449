using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Platform.Auth.Registration;

/// <summary>
/// Seals a password between the registration request and the account step, so the request can answer 202 at once and
/// the expensive hash (PBKDF2) runs in the step, off the request path. AES-GCM under one key kept in authdb (every
/// replica and restart shares it). The sealed password lives only until the account step hashes it, or the
/// registration fails; it keeps plaintext out of rows, dumps and logs, but not from someone who can read authdb's
/// key table in that window.
/// </summary>
internal sealed class CredentialVault(NpgsqlDataSource db)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private byte[]? _key;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var load = db.CreateCommand(
            "WITH created AS (INSERT INTO vault_keys (id, key) VALUES (1, $1) ON CONFLICT DO NOTHING RETURNING key) " +
            "SELECT key FROM created UNION ALL SELECT key FROM vault_keys WHERE id = 1 LIMIT 1");
        load.Parameters.Add(new() { Value = RandomNumberGenerator.GetBytes(32) });
        _key = (byte[])(await load.ExecuteScalarAsync(cancellationToken))!;
    }

    public byte[] Seal(string password)
    {
        var plain = Encoding.UTF8.GetBytes(password);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(Key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length));
        return sealedBytes;
    }

    public string Open(byte[] sealedBytes)
    {
        var length = sealedBytes.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(Key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length), sealedBytes.AsSpan(NonceSize + length), plain);
        return Encoding.UTF8.GetString(plain);
    }

    private byte[] Key => _key ?? throw new InvalidOperationException("The vault key is not loaded yet.");
}
