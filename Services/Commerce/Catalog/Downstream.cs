using System.Net;
using Platform.Commerce.Contracts;

namespace Platform.Catalog;

/// <summary>The pricing service, through service discovery (http://pricing) and the platform's resilience handler.</summary>
internal sealed class PricingClient(HttpClient http)
{
    /// <summary>The product's price, or null when pricing has none for it.</summary>
    public async Task<Price?> GetAsync(string productId, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"/prices/{Uri.EscapeDataString(productId)}", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<Price>(cancellationToken);
    }

    public async Task<IReadOnlyList<Price>> QueryAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("/prices/query", new ProductIds(ids), cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<Price>>(cancellationToken))!;
    }
}
