using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Platform.Postgres;

/// <summary>
/// Seals a secret a service must read back in plain (so cannot hash): auth's password between the registration request
/// and the account step that hashes it, storage's S3 secret keys that sign requests with HMAC. AES-GCM under one key
/// kept in the service's own database (<see cref="TableSql"/>), so every replica and restart shares it. It keeps
/// plaintext out of rows, dumps and logs, but not from someone who can read the database's key table as well.
/// </summary>
public sealed class SecretVault(NpgsqlDataSource db)
{
    /// <summary>The table holding the key; a service's migrations create it once.</summary>
    public const string TableSql = """
        CREATE TABLE vault_keys (
          id int PRIMARY KEY,
          key bytea NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now());
        """;

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

    public byte[] Seal(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
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
