using Commerce.Hosting.Auth;
using Commerce.Hosting.Functions;
using Commerce.Retention.Risk;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Commerce.Functions.Retention;

/// <summary>Churn risk as the live model last scored it: by segment, and per customer with the reasons; admins only.</summary>
public static class RiskApi
{
    public static FunctionCatalog MapRiskApi(this FunctionCatalog functions)
    {
        functions.AddHttp("GetChurnRiskBySegment", "retention/risk", ["GET"], GetSummary,
            configure: e => e.RequireAdmin().WithSummary("The segment view of the last scoring: per RFM segment, customers in each risk band and the mean churn probability, with the model version. 404 before the first scoring."));
        functions.AddHttp("GetCustomerChurnRisk", "retention/risk/{customerId}", ["GET"], GetCustomer,
            configure: e => e.RequireAdmin().WithSummary("A customer's churn probability, band (low, medium, high) and the reasons in words, with the model version and when it was scored."));
        return functions;
    }

    public static async Task<Results<Ok<RiskSummary>, NotFound>> GetSummary(ChurnRiskStore risks, CancellationToken cancellationToken) =>
        await risks.SummaryAsync(cancellationToken) is { } summary ? TypedResults.Ok(summary) : TypedResults.NotFound();

    public static async Task<Results<Ok<ChurnRisk>, NotFound>> GetCustomer(string customerId, ChurnRiskStore risks, CancellationToken cancellationToken) =>
        await risks.GetAsync(customerId, cancellationToken) is { } risk ? TypedResults.Ok(risk) : TypedResults.NotFound();
}
