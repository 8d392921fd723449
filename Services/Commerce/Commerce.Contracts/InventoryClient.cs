using System.Net.Http.Json;

namespace Platform.Commerce.Contracts;

/// <summary>The inventory service, through service discovery (http://inventory) and the platform's resilience handler.</summary>
public sealed class InventoryClient(HttpClient http)
{
    public async Task<StockLevel> GetAsync(string productId, CancellationToken cancellationToken)
        => (await http.GetFromJsonAsync<StockLevel>($"/stock/{Uri.EscapeDataString(productId)}", cancellationToken))!;

    public async Task<IReadOnlyList<StockLevel>> QueryAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/stock/query", new ProductIds(ids), cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<StockLevel>>(cancellationToken))!;
    }
}
