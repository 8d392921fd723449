using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Platform.Auth.Tokens;

/// <summary>
/// RSA signing keys kept in authdb so every replica and every restart signs with, and publishes, the same
/// keys. The newest signs; all are published in the JWKS so tokens signed before a rotation stay valid.
/// </summary>
internal sealed class SigningKeys(NpgsqlDataSource db, TimeProvider clock)
{
    private IReadOnlyList<RsaSecurityKey> _keys = [];
    private byte[] _jwks = [];

    public RsaSecurityKey Current => _keys.Count > 0 ? _keys[0] : throw new InvalidOperationException("Signing keys are not loaded yet.");

    public IReadOnlyList<RsaSecurityKey> All => _keys;

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockKeys = new NpgsqlCommand("LOCK TABLE signing_keys IN EXCLUSIVE MODE", connection, transaction))
        {
            await lockKeys.ExecuteNonQueryAsync(cancellationToken);
        }

        var keys = await ReadAsync(connection, transaction, cancellationToken);
        if (keys.Count == 0)
        {
            using var rsa = RSA.Create(2048);
            var kid = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(12));
            await using var insert = new NpgsqlCommand("INSERT INTO signing_keys (kid, private_key_pem, created_at) VALUES ($1, $2, $3)", connection, transaction)
            {
                Parameters = { new() { Value = kid }, new() { Value = rsa.ExportRSAPrivateKeyPem() }, new() { Value = clock.GetUtcNow() } },
            };
            await insert.ExecuteNonQueryAsync(cancellationToken);
            keys = await ReadAsync(connection, transaction, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        _jwks = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(Jwks(keys));
        _keys = keys;
    }

    /// <summary>
    /// The public halves as a JSON Web Key Set, serialized once when the keys load: every service and the gateway fetch it,
    /// and exporting RSA parameters on each request made it the slowest read of the service.
    /// </summary>
    public byte[] JwksDocument => _jwks;

    private static object Jwks(IReadOnlyList<RsaSecurityKey> keys) => new
    {
        keys = keys.Select(key =>
        {
            var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
            return new
            {
                kty = "RSA",
                use = "sig",
                alg = SecurityAlgorithms.RsaSha256,
                kid = key.KeyId,
                n = Base64UrlEncoder.Encode(parameters.Modulus),
                e = Base64UrlEncoder.Encode(parameters.Exponent),
            };
        }),
    };

    private static async Task<IReadOnlyList<RsaSecurityKey>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var select = new NpgsqlCommand("SELECT kid, private_key_pem FROM signing_keys ORDER BY created_at DESC", connection, transaction);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var keys = new List<RsaSecurityKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(reader.GetString(1));
            keys.Add(new RsaSecurityKey(rsa) { KeyId = reader.GetString(0) });
        }

        return keys;
    }
}
