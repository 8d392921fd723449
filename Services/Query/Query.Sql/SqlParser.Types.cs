namespace Platform.Query.Sql;

/// <summary>Type names, PostgreSQL's spellings mapped onto the engine's eight types.</summary>
public sealed partial class SqlParser
{
    private const int MaxDecimalPrecision = 38; // the engine's widest DECIMAL

    private SqlType ParseType()
    {
        var token = Current;
        if (token.Kind is not (TokenKind.Name or TokenKind.QuotedName))
        {
            throw Unexpected();
        }

        Advance();
        switch (token.Text.ToUpperInvariant())
        {
            case "BOOLEAN" or "BOOL":
                return SqlType.Boolean;
            case "INT" or "INTEGER" or "INT4" or "SMALLINT" or "INT2":
                return SqlType.Integer;
            case "BIGINT" or "INT8":
                return SqlType.BigInt;
            case "DOUBLE":
                AcceptKeyword("PRECISION");
                return SqlType.Double;
            case "FLOAT":
                SkipLength();
                return SqlType.Double;
            case "FLOAT8" or "FLOAT4" or "REAL":
                return SqlType.Double;
            case "DECIMAL" or "NUMERIC":
                return ParseDecimalType();
            case "CHARACTER":
                AcceptKeyword("VARYING");
                SkipLength();
                return SqlType.Varchar;
            case "VARCHAR" or "CHAR":
                SkipLength();
                return SqlType.Varchar;
            case "TEXT":
                return SqlType.Varchar;
            case "DATE":
                return SqlType.Date;
            case "TIMESTAMP":
                if (AcceptKeyword("WITHOUT"))
                {
                    ExpectKeyword("TIME");
                    ExpectKeyword("ZONE");
                }

                return SqlType.Timestamp;
            default:
                throw new SqlSyntaxException($"unknown type \"{token.Raw}\"", token.At);
        }
    }

    // No precision means DECIMAL(18,3); a precision alone means scale 0, as in PostgreSQL.
    private SqlType ParseDecimalType()
    {
        if (!AcceptSymbol("("))
        {
            return SqlType.Decimal(18, 3);
        }

        var precisionToken = Current;
        var precision = ParsePositiveInt("DECIMAL precision");
        if (precision > MaxDecimalPrecision)
        {
            throw new SqlSyntaxException($"DECIMAL precision must be between 1 and {MaxDecimalPrecision}", precisionToken.At);
        }

        var scale = 0;
        if (AcceptSymbol(","))
        {
            var scaleToken = Current;
            if (scaleToken.Value is not long s || s < 0 || s > precision)
            {
                throw scaleToken.Kind == TokenKind.End
                    ? Unexpected()
                    : new SqlSyntaxException($"DECIMAL scale must be between 0 and the precision {precision}", scaleToken.At);
            }

            Advance();
            scale = (int)s;
        }

        ExpectSymbol(")");
        return SqlType.Decimal(precision, scale);
    }

    // A character length changes nothing here: the engine's VARCHAR has none.
    private void SkipLength()
    {
        if (AcceptSymbol("("))
        {
            ParsePositiveInt("a length");
            ExpectSymbol(")");
        }
    }
}
