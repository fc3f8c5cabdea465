"""Stripe's documented test cards (https://docs.stripe.com/testing) and what each does.

A card number is only ever read here, to pick brand, last4, fingerprint and behaviour;
it is never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from paygate.sandbox.errors import StripeError
from paygate.sandbox.luhn import luhn_ok
from paygate.sandbox.state import ALPHABET


@dataclass(frozen=True)
class Decline:
    code: str
    decline_code: str | None
    message: str
    param: str | None = None
    seller_message: str = "The bank did not return any further details with this decline."
    outcome_type: str = "issuer_declined"


GENERIC = Decline("card_declined", "generic_decline", "Your card was declined.")
INSUFFICIENT = Decline("card_declined", "insufficient_funds", "Your card has insufficient funds.",
                       seller_message="The bank returned the decline code `insufficient_funds`.")
LOST = Decline("card_declined", "lost_card", "Your card was declined.",
               seller_message="The bank returned the decline code `lost_card`.")
STOLEN = Decline("card_declined", "stolen_card", "Your card was declined.",
                 seller_message="The bank returned the decline code `stolen_card`.")
EXPIRED = Decline("expired_card", "expired_card", "Your card has expired.", "exp_month",
                  seller_message="The bank returned the decline code `expired_card`.")
INCORRECT_CVC = Decline("incorrect_cvc", "incorrect_cvc",
                        "Your card's security code is incorrect.", "cvc",
                        seller_message="The bank returned the decline code `incorrect_cvc`.")
PROCESSING = Decline("processing_error", "processing_error",
                     "An error occurred while processing your card. Try again in a little bit.",
                     seller_message="The bank returned the decline code `processing_error`.")
AUTH_FAILED_MESSAGE = (
    "We are unable to authenticate your payment method. Please choose a different payment "
    "method and try again."
)


@dataclass(frozen=True)
class Behaviour:
    """What confirming with this card does: decline, require 3DS, both, or succeed."""

    decline: Decline | None = None
    three_d_secure: bool = False
    funding: str = "credit"
    country: str = "US"


SUCCEED = Behaviour()

# number -> behaviour; anything else that passes Luhn succeeds.
TEST_CARDS: dict[str, Behaviour] = {
    "4242424242424242": SUCCEED,
    "4000056655665556": Behaviour(funding="debit"),
    "5555555555554444": SUCCEED,
    "2223003122003222": SUCCEED,
    "5200828282828210": Behaviour(funding="debit"),
    "378282246310005": SUCCEED,
    "6011111111111117": SUCCEED,
    "4000000000000002": Behaviour(decline=GENERIC),
    "4000000000009995": Behaviour(decline=INSUFFICIENT),
    "4000000000009987": Behaviour(decline=LOST),
    "4000000000009979": Behaviour(decline=STOLEN),
    "4000000000000069": Behaviour(decline=EXPIRED),
    "4000000000000127": Behaviour(decline=INCORRECT_CVC),
    "4000000000000119": Behaviour(decline=PROCESSING),
    "4000002500003155": Behaviour(three_d_secure=True),
    "4000002760003184": Behaviour(three_d_secure=True),
    "4000000000003220": Behaviour(three_d_secure=True),
    "4000000000003063": Behaviour(three_d_secure=True),
    "4000008400001629": Behaviour(decline=GENERIC, three_d_secure=True),
}

# Stripe's test PaymentMethod ids -> the card number they stand for.
TEST_PAYMENT_METHODS: dict[str, str] = {
    "pm_card_visa": "4242424242424242",
    "pm_card_visa_debit": "4000056655665556",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_discover": "6011111111111117",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_visa_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_visa_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedLostCard": "4000000000009987",
    "pm_card_chargeDeclinedStolenCard": "4000000000009979",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_visa_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_visa_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_visa_chargeDeclinedProcessingError": "4000000000000119",
    "pm_card_authenticationRequiredOnSetup": "4000002500003155",
    "pm_card_authenticationRequired": "4000002760003184",
    "pm_card_threeDSecure2Required": "4000000000003220",
    "pm_card_threeDSecureRequired": "4000000000003063",
    "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds": "4000008400001629",
}


def behaviour_name(number: str) -> str:
    """A stable label kept with the PaymentMethod instead of the number itself."""
    b = TEST_CARDS.get(number, SUCCEED)
    if b.decline and b.three_d_secure:
        return "3ds:" + (b.decline.decline_code or b.decline.code)
    if b.decline:
        return b.decline.decline_code or b.decline.code
    return "3ds" if b.three_d_secure else "succeed"


_DECLINES = {d.decline_code: d for d in (GENERIC, INSUFFICIENT, LOST, STOLEN, EXPIRED,
                                         INCORRECT_CVC, PROCESSING)}


def parse_behaviour(name: str) -> Behaviour:
    three_ds = name.startswith("3ds")
    rest = name.split(":", 1)[1] if ":" in name else ("" if three_ds else name)
    if rest in ("", "succeed"):
        return Behaviour(three_d_secure=three_ds)
    return Behaviour(decline=_DECLINES.get(rest, GENERIC), three_d_secure=three_ds)


def brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in ("34", "37"):
        return "amex"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    if number.startswith(("6011", "65", "644", "645", "646", "647", "648", "649")):
        return "discover"
    return "unknown"



def _card_error(code: str, message: str, param: str) -> StripeError:
    return StripeError(402, "card_error", message, code=code, param=param)


@dataclass(frozen=True)
class CardFacts:
    """Everything the sandbox keeps about a card: never the number or CVC."""

    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str
    funding: str
    country: str
    behaviour: str


def inspect_card(
    number: str, exp_month: int, exp_year: int, cvc: str | None, salt: str
) -> CardFacts:
    """Validate as Stripe does when a PaymentMethod is created; raise card_error if not."""
    digits = number.replace(" ", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19 or not luhn_ok(digits):
        raise _card_error("incorrect_number", "Your card number is incorrect.", "number")
    if not 1 <= exp_month <= 12:
        raise _card_error("invalid_expiry_month", "Your card's expiration month is invalid.",
                          "exp_month")
    year = exp_year + 2000 if exp_year < 100 else exp_year
    today = time.gmtime()
    if year < today.tm_year or (year == today.tm_year and exp_month < today.tm_mon):
        raise _card_error("invalid_expiry_year", "Your card's expiration year is invalid.",
                          "exp_year")
    card_brand = brand(digits)
    if cvc is not None:
        want = 4 if card_brand == "amex" else 3
        if not cvc.isdigit() or len(cvc) not in (3, want):
            raise _card_error("invalid_cvc", "Your card's security code is invalid.", "cvc")
    b = TEST_CARDS.get(digits, SUCCEED)
    mac = hmac.new(salt.encode(), digits.encode(), hashlib.sha256).digest()
    return CardFacts(
        brand=card_brand,
        last4=digits[-4:],
        exp_month=exp_month,
        exp_year=year,
        fingerprint=_fingerprint(mac),
        funding=b.funding,
        country=b.country,
        behaviour=behaviour_name(digits),
    )


def _fingerprint(mac: bytes) -> str:
    """16 letters and digits, as Stripe's card fingerprints are. (The first 16 hex digits
    of the MAC were all digits now and then, and sometimes Luhn-valid: a string that looks
    like a card number, which the card-number scan of paygate's database rightly flags.)"""
    value, out = int.from_bytes(mac, "big"), []
    for _ in range(16):
        value, index = divmod(value, len(ALPHABET))
        out.append(ALPHABET[index])
    return "".join(out)
