"""Reading a card as Stripe does when a PaymentMethod is made: validity, brand, checks.

A card number is only ever read here, to pick brand, last4, fingerprint and which test card
it is (card_table.py); it is never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from paygate.sandbox.card_table import BY_NUMBER, DEFAULT, Card
from paygate.sandbox.errors import StripeError
from paygate.sandbox.luhn import luhn_ok
from paygate.sandbox.state import ALPHABET

AUTH_FAILED_MESSAGE = (
    "We are unable to authenticate your payment method. Please choose a different payment "
    "method and try again."
)


def brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in ("34", "37"):
        return "amex"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4]) <= 2720:
        return "mastercard"
    if number.startswith(("6011", "65", "644", "645", "646", "647", "648", "649")):
        return "discover"
    if number.startswith(("300", "301", "302", "303", "304", "305", "36", "38", "39")):
        return "diners"
    if 3528 <= int(number[:4]) <= 3589:
        return "jcb"
    if number.startswith("62"):
        return "unionpay"
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
    networks: tuple[str, ...]
    behaviour: str  # the test card's name in card_table.py


def full_year(exp_year: int, today: int) -> int:
    """A two-digit year is the nearest such year, as a person means it: 30 is 2030 and 95
    is 1995 (a year in the past, the Testing page's example of invalid_expiry_year)."""
    if exp_year >= 100:
        return exp_year
    year = today - today % 100 + exp_year
    return year - 100 if year > today + 50 else year


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
    today = time.gmtime()
    year = full_year(exp_year, today.tm_year)
    if year < today.tm_year or (year == today.tm_year and exp_month < today.tm_mon):
        raise _card_error("invalid_expiry_year", "Your card's expiration year is invalid.",
                          "exp_year")
    card_brand = brand(digits)
    if cvc is not None:
        want = 4 if card_brand == "amex" else 3
        if not cvc.isdigit() or len(cvc) not in (3, want):
            raise _card_error("invalid_cvc", "Your card's security code is invalid.", "cvc")
    card: Card = BY_NUMBER.get(digits, DEFAULT)
    mac = hmac.new(salt.encode(), digits.encode(), hashlib.sha256).digest()
    return CardFacts(
        brand=card_brand,
        last4=digits[-4:],
        exp_month=exp_month,
        exp_year=year,
        fingerprint=_fingerprint(mac),
        funding=card.funding,
        country=card.country,
        networks=card.networks or (card_brand,),
        behaviour=card.name if digits in BY_NUMBER else DEFAULT.name,
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
