using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Platform.Commerce.Contracts;

namespace Platform.Reports;

/// <summary>The catalog's product ids, a page at a time (http://catalog).</summary>
internal sealed class CatalogClient(HttpClient http)
{
    public async Task<ProductIdPage> IdsAsync(string after, int limit, CancellationToken cancellationToken)
        => (await http.GetFromJsonAsync<ProductIdPage>($"/internal/products/ids?after={Uri.EscapeDataString(after)}&limit={limit}", cancellationToken))!;
}

/// <summary>
/// <c>inventory_summary</c>: stock over every product of the catalog, walked a page of ids at a time (stock from
/// inventory for each page). The running totals and the last id are the checkpoint, so a resumed job counts each
/// product once.
/// </summary>
internal sealed class InventorySummaryReport(CatalogClient catalog, InventoryClient inventory) : IReport
{
    public string Type => "inventory_summary";

    public async Task<JsonObject> RunAsync(ReportRun run, CancellationToken cancellationToken)
    {
        var state = run.Job.Checkpoint ?? new JsonObject
        {
            ["after"] = "", ["products"] = 0L, ["unitsAvailable"] = 0L, ["unitsReserved"] = 0L, ["outOfStock"] = 0L, ["warehouses"] = new JsonObject(),
        };
        while (true)
        {
            var page = await catalog.IdsAsync(state["after"]!.GetValue<string>(), ProductIds.Limit, cancellationToken);
            if (page.Ids.Count == 0)
            {
                break;
            }

            var warehouses = state["warehouses"]!.AsObject();
            foreach (var level in await inventory.QueryAsync(page.Ids, cancellationToken))
            {
                Add(state, "products", 1);
                Add(state, "unitsAvailable", level.Available);
                Add(state, "unitsReserved", level.Reserved);
                Add(state, "outOfStock", level.Available == 0 ? 1 : 0);
                foreach (var stock in level.Warehouses)
                {
                    Add(warehouses, stock.Warehouse, stock.Available);
                }
            }

            state["after"] = page.Ids[^1];
            await run.SaveAsync((int)Math.Min(99, state["products"]!.GetValue<long>() * 100 / Math.Max(1, page.Total)), state, cancellationToken);
        }

        var result = (JsonObject)state.DeepClone();
        result.Remove("after");
        result["startDate"] = run.Job.StartDate.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        result["endDate"] = run.Job.EndDate.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        return result;
    }

    private static void Add(JsonObject totals, string name, long amount) => totals[name] = (totals[name]?.GetValue<long>() ?? 0) + amount;
}
