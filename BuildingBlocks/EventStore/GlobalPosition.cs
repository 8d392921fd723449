using System.Globalization;

namespace Platform.EventStore;

/// <summary>
/// Where an event sits in the store's global order: (writing transaction, sequence). Readers only see events of
/// transactions older than every transaction still running, so an event that commits later always sorts after
/// everything already read: a subscriber resuming from a position never skips one. Text form "transaction:sequence".
/// </summary>
public readonly record struct GlobalPosition(ulong Transaction, long Sequence) : IComparable<GlobalPosition>
{
    public static readonly GlobalPosition Start = new(0, 0);

    public int CompareTo(GlobalPosition other)
        => Transaction != other.Transaction ? Transaction.CompareTo(other.Transaction) : Sequence.CompareTo(other.Sequence);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Transaction}:{Sequence}");

    public static bool TryParse(string? text, out GlobalPosition position)
    {
        position = Start;
        var parts = text?.Split(':');
        if (parts is not [var transaction, var sequence]
            || !ulong.TryParse(transaction, NumberStyles.None, CultureInfo.InvariantCulture, out var t)
            || !long.TryParse(sequence, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
        {
            return false;
        }

        position = new GlobalPosition(t, s);
        return true;
    }

    public static bool operator <(GlobalPosition left, GlobalPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(GlobalPosition left, GlobalPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(GlobalPosition left, GlobalPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(GlobalPosition left, GlobalPosition right) => left.CompareTo(right) >= 0;
}
