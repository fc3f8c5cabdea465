"""Which payment method types a PaymentIntent offers: automatic payment methods, or the
list given as `allowed_payment_method_types` (the pinned SDK's name) or, for older SDKs,
`payment_method_types`. The sandbox's only payment method type is card."""

from __future__ import annotations

from paygate.sandbox.errors import invalid_request
from paygate.sandbox.state import JSON


def method_types(params: JSON) -> tuple[list[str], JSON | None]:
    apm = params.get("automatic_payment_methods")
    # Older SDKs send payment_method_types; the installed one calls it
    # allowed_payment_method_types. Whichever the SDK knows is what passes validation.
    name = ("allowed_payment_method_types" if "allowed_payment_method_types" in params
            else "payment_method_types")
    types = params.get(name)
    if apm and types:
        raise invalid_request("You may only specify one of these parameters: "
                              f"automatic_payment_methods, {name}.")
    if types and params.get("excluded_payment_method_types"):
        raise invalid_request("You may only specify one of these parameters: "
                              f"excluded_payment_method_types, {name}.")
    if types and name == "allowed_payment_method_types":
        # Stripe's changelog (2026-07-29.dahlia): incompatible types are silently left out
        # of payment_method_types; the sandbox's only compatible type is card.
        offered = [t for t in types if t == "card"]
        if offered:
            return offered, None
    if types:
        for i, t in enumerate(types):
            if t != "card":
                raise invalid_request(
                    f'The payment method type "{t}" is invalid. Please ensure the provided '
                    "type is activated in your dashboard (https://dashboard.stripe.com/"
                    "account/payments/settings) and your account is enabled for any preview "
                    "features that you are trying to use.", param=f"{name}[{i}]")
        return list(types), None
    if apm and not apm.get("enabled"):
        raise invalid_request("You must either specify `payment_method_types` or set "
                              "`automatic_payment_methods[enabled]` to true.")
    return ["card"], {"enabled": True, "allow_redirects": (apm or {}).get("allow_redirects",
                                                                          "always")}


def asked_types(params: JSON, apm: JSON | None, types: list[str]) -> list[str] | None:
    """The allowed_payment_method_types property: what was asked for (null with automatic
    payment methods); payment_method_types holds the compatible part of it."""
    return None if apm else list(params.get("allowed_payment_method_types") or types)
