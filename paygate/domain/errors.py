"""Domain errors. They say what went wrong; paygate.web.errors decides the HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error paygate reports to a user. `code` is stable for API clients."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    code = "invalid_request"


class IntentStateRefused(InvalidInput):
    """Stripe refused because of the PaymentIntent's state (e.g. a cancel of one that
    already succeeded or was cancelled): what the intent is now is worth reading."""

    code = "invalid_request"


class InvalidAmount(InvalidInput):
    code = "invalid_amount"


class UnsupportedCurrency(InvalidInput):
    code = "unsupported_currency"


class AmountMismatch(InvalidInput):
    """Well-formed parts that do not agree with each other (line items that do not add
    up to the amount)."""

    code = "amount_mismatch"


class NotAuthenticated(DomainError):
    code = "not_authenticated"


class InvalidToken(NotAuthenticated):
    code = "invalid_token"


class TokenExpired(InvalidToken):
    code = "token_expired"


class TokenReplayed(InvalidToken):
    code = "token_already_used"


class TokenRefused(InvalidToken):
    """A host platform's JWT launch token refused for one reason; `reason` is its code
    (token_signature_invalid, token_algorithm_refused, token_key_unknown, ...)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.code = reason


class LinkEnded(NotAuthenticated):
    """A pay link's session whose link was revoked, or whose request was cancelled or
    expired: it can do nothing more."""

    code = "pay_link_ended"


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request is valid but the thing is not in a state that allows it."""

    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class AddonNotEnabled(Conflict):
    code = "addon_not_enabled"


class AccountNotLinked(Conflict):
    code = "stripe_account_not_linked"


class AccountNotReady(Conflict):
    """The clinic's Stripe account is linked but Stripe does not accept charges on it."""

    code = "account_not_ready"


class PaymentProviderError(DomainError):
    """Stripe refused or failed; message is safe to show to a clinician."""

    code = "payment_provider_error"


class PaymentProviderUnavailable(PaymentProviderError):
    code = "payment_provider_unavailable"
