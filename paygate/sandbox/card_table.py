"""The card table of Stripe's Testing page (https://docs.stripe.com/testing), as data.

Each card number and `pm_card_*` id the page lists for cards: successes by brand and the
co-branded cards, declines by code, fraud prevention (Radar blocks, risk levels, failing
CVC and address checks), 3-D Secure and the other authentication cards. Anything else that
passes the Luhn check pays like 4242 4242 4242 4242.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str | None
    message: str
    param: str | None = None
    seller_message: str = "The bank did not return any further details with this decline."
    outcome_type: str = "issuer_declined"
    network_status: str = "declined_by_network"
    risk_level: str = "normal"


def _bank(decline_code: str) -> str:
    return f"The bank returned the decline code `{decline_code}`."


GENERIC = Decline("card_declined", "generic_decline", "Your card was declined.")
INSUFFICIENT = Decline("card_declined", "insufficient_funds", "Your card has insufficient funds.",
                       seller_message=_bank("insufficient_funds"))
LOST = Decline("card_declined", "lost_card", "Your card was declined.",
               seller_message=_bank("lost_card"))
STOLEN = Decline("card_declined", "stolen_card", "Your card was declined.",
                 seller_message=_bank("stolen_card"))
EXPIRED = Decline("expired_card", "expired_card", "Your card has expired.", "exp_month",
                  seller_message=_bank("expired_card"))
INCORRECT_CVC = Decline("incorrect_cvc", "incorrect_cvc",
                        "Your card's security code is incorrect.", "cvc",
                        seller_message=_bank("incorrect_cvc"))
PROCESSING = Decline("processing_error", "processing_error",
                     "An error occurred while processing your card. Try again in a little bit.",
                     seller_message=_bank("processing_error"))
VELOCITY = Decline("card_declined", "card_velocity_exceeded",
                   "Your card was declined for making repeated attempts too frequently or "
                   "exceeding its amount limit.", seller_message=_bank("card_velocity_exceeded"))
# Radar: blocked before reaching the card network (charge.outcome.type == "blocked").
BLOCKED = Decline("card_declined", "fraudulent", "Your card was declined.",
                  seller_message="Stripe blocked this payment as too risky.",
                  outcome_type="blocked", network_status="not_sent_to_network",
                  risk_level="highest")
AUTHENTICATION_REQUIRED = Decline(
    "authentication_required", "authentication_required",
    "Your card was declined. This transaction requires authentication.",
    seller_message=_bank("authentication_required"))
DECLINES = {d.decline_code: d for d in (GENERIC, INSUFFICIENT, LOST, STOLEN, EXPIRED,
                                        INCORRECT_CVC, PROCESSING, VELOCITY, BLOCKED,
                                        AUTHENTICATION_REQUIRED)}


@dataclass(frozen=True)
class Card:
    """What a test card does. `name` is kept with a PaymentMethod in place of its number."""

    name: str
    number: str
    pm_ids: tuple[str, ...] = ()
    funding: str = "credit"
    country: str = "US"
    networks: tuple[str, ...] = ()
    decline: Decline | None = None        # the charge is declined (or blocked) with this
    # 3-D Secure: "required" (always challenged on-session), "optional" (only when asked
    # for with request_three_d_secure), "supported" (4242: not enrolled), "unsupported"
    three_d_secure: str = "supported"
    declined_after_auth: Decline | None = None
    lookup_fails: bool = False             # the 3-D Secure lookup itself fails
    off_session_ok: bool = False           # set up for off-session: no challenge needed there
    risk_level: str = "normal"
    cvc_check: str | None = None           # "fail" when a CVC is given
    line1_check: str | None = None         # when an address line 1 is given
    postal_check: str | None = None        # when a postal code is given
    # after the charge succeeds a dispute opens: "fraudulent", "product_not_received"
    # (chargebacks) or "inquiry" (disputes.py)
    dispute: str | None = None


def _c(name: str, number: str, *pm_ids: str, **kw: object) -> Card:
    return Card(name, number, pm_ids, **kw)  # type: ignore[arg-type]


CARDS: tuple[Card, ...] = (
    # successes by brand
    _c("visa", "4242424242424242", "pm_card_visa"),
    _c("visa_debit", "4000056655665556", "pm_card_visa_debit", funding="debit"),
    _c("mastercard", "5555555555554444", "pm_card_mastercard"),
    _c("mastercard_2series", "2223003122003222"),
    _c("mastercard_debit", "5200828282828210", "pm_card_mastercard_debit", funding="debit"),
    _c("mastercard_prepaid", "5105105105105100", "pm_card_mastercard_prepaid",
       funding="prepaid"),
    _c("amex", "378282246310005", "pm_card_amex", three_d_secure="unsupported"),
    _c("amex_2", "371449635398431", three_d_secure="unsupported"),
    _c("discover", "6011111111111117", "pm_card_discover"),
    _c("discover_2", "6011000990139424"),
    _c("discover_debit", "6011981111111113", funding="debit"),
    _c("diners", "3056930009020004", "pm_card_diners"),
    _c("diners_14", "36227206271667"),
    _c("bccard_dinacard", "6555900000604105"),
    _c("jcb", "3566002020360505", "pm_card_jcb"),
    _c("unionpay", "6200000000000005", "pm_card_unionpay"),
    _c("unionpay_debit", "6200000000000047", funding="debit"),
    _c("unionpay_19", "6205500000000000004"),
    # co-branded
    _c("cartes_bancaires_visa", "4000002500001001", country="FR",
       networks=("cartes_bancaires", "visa")),
    _c("cartes_bancaires_mastercard", "5555552500001001", country="FR",
       networks=("cartes_bancaires", "mastercard")),
    _c("eftpos_visa", "4000050360000001", country="AU", networks=("eftpos_au", "visa")),
    _c("eftpos_mastercard", "5555050360000080", country="AU",
       networks=("eftpos_au", "mastercard")),
    # declined payments
    _c("chargeDeclined", "4000000000000002", "pm_card_visa_chargeDeclined", decline=GENERIC),
    _c("insufficientFunds", "4000000000009995",
       "pm_card_visa_chargeDeclinedInsufficientFunds", decline=INSUFFICIENT),
    _c("lostCard", "4000000000009987", "pm_card_visa_chargeDeclinedLostCard", decline=LOST),
    _c("stolenCard", "4000000000009979", "pm_card_visa_chargeDeclinedStolenCard",
       decline=STOLEN),
    _c("expiredCard", "4000000000000069", "pm_card_chargeDeclinedExpiredCard",
       decline=EXPIRED),
    _c("incorrectCvc", "4000000000000127", "pm_card_chargeDeclinedIncorrectCvc",
       decline=INCORRECT_CVC),
    _c("processingError", "4000000000000119", "pm_card_chargeDeclinedProcessingError",
       decline=PROCESSING),
    _c("velocityLimit", "4000000000006975",
       "pm_card_visa_chargeDeclinedVelocityLimitExceeded", decline=VELOCITY),
    # attaching to a Customer succeeds; charging it fails
    _c("chargeCustomerFail", "4000000000000341", "pm_card_chargeCustomerFail",
       decline=GENERIC),
    # fraud prevention
    _c("radarBlock", "4100000000000019", "pm_card_radarBlock",
       "pm_card_chargeDeclinedFraudulent", decline=BLOCKED, risk_level="highest"),
    # "might be blocked depending on your rules": Radar's default rules block it
    _c("riskLevelHighest", "4000000000004954", "pm_card_riskLevelHighest", decline=BLOCKED,
       risk_level="highest"),
    _c("riskLevelElevated", "4000000000009235", "pm_card_riskLevelElevated",
       risk_level="elevated"),
    _c("cvcCheckFail", "4000000000000101", "pm_card_cvcCheckFail", cvc_check="fail"),
    _c("avsZipFail", "4000000000000036", "pm_card_avsZipFail", postal_check="fail"),
    _c("avsLine1Fail", "4000000000000028", "pm_card_avsLine1Fail", line1_check="fail"),
    _c("avsFail", "4000000000000010", "pm_card_avsFail", line1_check="fail",
       postal_check="fail"),
    _c("avsUnchecked", "4000000000000044", "pm_card_avsUnchecked", line1_check="unavailable",
       postal_check="unavailable"),
    # disputes: the charge succeeds, then the cardholder's bank disputes it
    _c("createDispute", "4000000000000259", "pm_card_createDispute", dispute="fraudulent"),
    _c("createDisputeProductNotReceived", "4000000000002685",
       "pm_card_createDisputeProductNotReceived", dispute="product_not_received"),
    _c("createDisputeInquiry", "4000000000001976", "pm_card_createDisputeInquiry",
       dispute="inquiry"),
    # authentication and setup
    _c("authenticationRequiredOnSetup", "4000002500003155",
       "pm_card_authenticationRequiredOnSetup", three_d_secure="required"),
    _c("authenticationRequired", "4000002760003184", "pm_card_authenticationRequired",
       three_d_secure="required"),
    _c("authenticationRequiredSetupForOffSession", "4000003800000446",
       "pm_card_authenticationRequiredSetupForOffSession", three_d_secure="required",
       off_session_ok=True),
    _c("authenticationRequiredChargeDeclinedInsufficientFunds", "4000008260003178",
       "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
       three_d_secure="required", declined_after_auth=INSUFFICIENT),
    # 3-D Secure
    _c("threeDSecure2Required", "4000000000003220", "pm_card_threeDSecure2Required",
       three_d_secure="required"),
    _c("threeDSecureRequired", "4000000000003063", "pm_card_threeDSecureRequired",
       three_d_secure="required"),
    _c("threeDSecureRequiredChargeDeclined", "4000008400001629",
       "pm_card_threeDSecureRequiredChargeDeclined", three_d_secure="required",
       declined_after_auth=GENERIC),
    _c("threeDSecureRequiredProcessingError", "4000008400001280",
       "pm_card_threeDSecureRequiredProcessingError", three_d_secure="required",
       lookup_fails=True),
    _c("threeDSecureOptional", "4000000000003055", "pm_card_threeDSecureOptional",
       three_d_secure="optional"),
)

BY_NUMBER = {c.number: c for c in CARDS}
BY_NAME = {c.name: c for c in CARDS}
BY_PM_ID = {pm: c for c in CARDS for pm in c.pm_ids}
DEFAULT = BY_NAME["visa"]


def card_named(name: str) -> Card:
    """The card a PaymentMethod was made from; an unlisted number pays like 4242."""
    return BY_NAME.get(name, DEFAULT)
