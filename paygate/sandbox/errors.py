"""Errors in Stripe's wire shape: {"error": {"type", "code", "message", "param", ...}}."""

from __future__ import annotations

from typing import Any

DOC_BASE = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An API error; `body()` is exactly what Stripe puts under "error"."""

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
        should_retry: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}
        self.should_retry = should_retry

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        err: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code:
            err["code"] = self.code
            err["doc_url"] = DOC_BASE + self.code.replace("_", "-")
        if self.param:
            err["param"] = self.param
        if self.decline_code:
            err["decline_code"] = self.decline_code
        if request_id:
            err["request_log_url"] = (
                f"https://dashboard.stripe.com/test/logs/{request_id}"
            )
        err.update(self.extra)
        return {"error": err}


def invalid_request(
    message: str, *, param: str | None = None, code: str | None = None, status: int = 400
) -> StripeError:
    return StripeError(status, "invalid_request_error", message, param=param, code=code)


def resource_missing(kind: str, obj_id: str, param: str = "id") -> StripeError:
    return StripeError(
        404,
        "invalid_request_error",
        f"No such {kind}: '{obj_id}'",
        code="resource_missing",
        param=param,
    )


def unexpected_state(message: str) -> StripeError:
    return invalid_request(message, code="payment_intent_unexpected_state")


def authentication(message: str) -> StripeError:
    return StripeError(401, "invalid_request_error", message)


def redact_key(key: str) -> str:
    """Stripe shows keys as prefix, stars, last four."""
    prefix = key[:8] if key.startswith(("sk_test_", "pk_test_", "rk_test_")) else ""
    if len(key) - len(prefix) <= 4:
        return prefix + "*" * (len(key) - len(prefix))
    return prefix + "*" * (len(key) - len(prefix) - 4) + key[-4:]


def no_account_access(key: str, account: str) -> StripeError:
    return StripeError(
        403,
        "invalid_request_error",
        f"The provided key '{redact_key(key)}' does not have access to account "
        f"'{account}' (or that account does not exist). Application access may have "
        "been revoked.",
        code="account_invalid",
    )


class OAuthError(Exception):
    """Connect OAuth errors use their own shape: {"error": code, "error_description": ...}."""

    def __init__(self, code: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.code, "error_description": self.description}
