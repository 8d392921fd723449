namespace Platform.Commerce.Contracts;

/// <summary>A page of the catalog's product ids in id order, after a cursor, with how many products there are in all.</summary>
public sealed record ProductIdPage(IReadOnlyList<string> Ids, long Total);

/// <summary>Orders placed in a date range (inclusive, UTC), by outcome, with the confirmed orders' revenue.</summary>
public sealed record SalesSummary(DateOnly StartDate, DateOnly EndDate, long Orders, long Confirmed, long Failed, long Pending, decimal Revenue, string Currency);
