using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Platform.ServiceDefaults.Problems;

/// <summary>Problem results with the platform's stable types, for endpoints to return.</summary>
public static class Problem
{
    public static IResult Of(int status, string type, string title, string? detail = null, IDictionary<string, object?>? extensions = null)
        => Results.Problem(new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail, Extensions = extensions ?? new Dictionary<string, object?>() });

    public static IResult Validation(IDictionary<string, string[]> errors, string detail = "One or more fields are invalid.")
        => Results.Problem(new HttpValidationProblemDetails(errors) { Status = 400, Type = ProblemTypes.Validation, Title = "Invalid request", Detail = detail });

    public static IResult NotFound(string detail) => Of(404, ProblemTypes.NotFound, "Not found", detail);

    public static IResult Conflict(string detail) => Of(409, ProblemTypes.Conflict, "Conflict", detail);

    public static IResult Unauthorized(string detail) => Of(401, ProblemTypes.Unauthorized, "Unauthorized", detail);
}
