namespace Commerce.Payments.Channels;

/// <summary>
/// The card industry's split of declines: hard ones (the card or the buyer will not pass) are never
/// retried; soft ones (a passing condition) are retried by the payment retry policy.
/// </summary>
public static class DeclineCodes
{
    public const string GenericDecline = "generic_decline";
    public const string Fraudulent = "fraudulent";
    public const string InsufficientFunds = "insufficient_funds";
    public const string ProcessingError = "processing_error";
    public const string CreditLimitExceeded = "credit_limit_exceeded";
    public const string ChannelDown = "channel_down";

    public static readonly IReadOnlySet<string> Hard = new HashSet<string>(StringComparer.Ordinal)
    {
        "stolen_card", "lost_card", "incorrect_number", Fraudulent, GenericDecline, "do_not_honor", "expired_card", "invalid_account", CreditLimitExceeded,
    };

    public static readonly IReadOnlySet<string> Soft = new HashSet<string>(StringComparer.Ordinal)
    {
        InsufficientFunds, "try_again_later", ProcessingError, "issuer_unavailable", "rate_limited",
    };

    /// <summary>Unknown codes count as hard: retrying what nobody understands risks a double charge for nothing.</summary>
    public static bool IsRetryable(string? code) => code is not null && Soft.Contains(code);
}

/// <summary>The payment-method tokens the shop accepts (the sandbox's test tokens; a real provider adds its own).</summary>
public static class PaymentMethods
{
    public const string Visa = "pm_card_visa";
    public const string ChargeDeclined = "pm_card_chargeDeclined";
    public const string ChargeDeclinedFraudulent = "pm_card_chargeDeclinedFraudulent";
    public const string ChargeDeclinedInsufficientFunds = "pm_card_chargeDeclinedInsufficientFunds";
    public const string ProcessingError = "pm_card_processingError";
    public const string ChannelDown = "pm_card_channelDown";
    public const string BankTransfer = "pm_bank_transfer";
    public const string NetTerms = "pm_net_terms";

    public static readonly IReadOnlySet<string> Cards = new HashSet<string>(StringComparer.Ordinal)
    {
        Visa, ChargeDeclined, ChargeDeclinedFraudulent, ChargeDeclinedInsufficientFunds, ProcessingError, ChannelDown,
    };

    public static bool IsKnown(string? token) => token is not null && (Cards.Contains(token) || token is BankTransfer or NetTerms);
}
