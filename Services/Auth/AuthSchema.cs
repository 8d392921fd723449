using Platform.Messaging.Inbox;
using Platform.Messaging.Outbox;
using Platform.Postgres;
using Platform.Sagas;

namespace Platform.Auth;

/// <summary>authdb migrations, applied in order at startup (append only).</summary>
internal static class AuthSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        """
        CREATE TABLE tenants (
          id uuid PRIMARY KEY,
          name text NOT NULL,
          created_at timestamptz NOT NULL);
        CREATE TABLE accounts (
          id uuid PRIMARY KEY,
          tenant_id uuid NOT NULL REFERENCES tenants(id),
          email text NOT NULL,
          email_normalized text NOT NULL UNIQUE,
          password_hash text NOT NULL,
          display_name text NOT NULL,
          created_at timestamptz NOT NULL);
        CREATE TABLE registrations (
          id uuid PRIMARY KEY,
          email_normalized text NOT NULL,
          status text NOT NULL,
          user_id uuid,
          tenant_id uuid,
          workspace_id uuid,
          error text,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL);
        CREATE TABLE refresh_tokens (
          token_hash bytea PRIMARY KEY,
          family_id uuid NOT NULL,
          account_id uuid NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
          issued_at timestamptz NOT NULL,
          expires_at timestamptz NOT NULL,
          spent_at timestamptz,
          revoked_at timestamptz);
        CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
        CREATE TABLE signing_keys (
          kid text PRIMARY KEY,
          private_key_pem text NOT NULL,
          created_at timestamptz NOT NULL);
        """,
        OutboxSchema.Sql + OutboxSchema.SchedulingSql + Inbox.Sql + SagaSchema.Sql + """
        ALTER TABLE accounts ADD COLUMN active boolean NOT NULL DEFAULT true;
        ALTER TABLE registrations ADD COLUMN password_sealed bytea;
        """ + SecretVault.TableSql + """
        CREATE UNIQUE INDEX registrations_taken_email ON registrations (email_normalized) WHERE status <> 'failed';
        """,
        """
        -- SCRAM-SHA-256 verifiers for SQL clients (PostgreSQL's format), made at a login when the password is known.
        ALTER TABLE accounts ADD COLUMN scram_verifier text;
        """,
    ];
}
