"""Stripe's currency facts, as the sandbox's Stripe applies them (docs.stripe.com/currencies):
the exponent of each currency, the minimum and maximum charge. The sandbox keeps its own
copy rather than reading paygate's: it stands for Stripe, and must not agree with paygate
merely because both read the same table."""

from __future__ import annotations

from decimal import Decimal

ZERO_DECIMAL = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()
)
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())

# Minimum charge amounts, in minor units of the charge currency.
MINIMUM_CHARGE: dict[str, int] = {
    "usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "nzd": 50, "chf": 50,
    "sek": 300, "nok": 300, "dkk": 250, "pln": 200, "czk": 1500, "huf": 17500,
    "jpy": 50, "krw": 700, "sgd": 50, "hkd": 400, "inr": 50, "bdt": 5000, "mxn": 1000,
    "brl": 50, "zar": 1000, "aed": 200, "kwd": 200, "bhd": 200, "jod": 400, "omr": 200,
}
# The documented fallback for a currency without its own row: about 0.50 USD.
DEFAULT_MINIMUM_MAJOR = Decimal("0.50")
# The cap for an amount: eight digits in minor units.
MAXIMUM_AMOUNT = 99_999_999
CURRENCIES = frozenset(MINIMUM_CHARGE) | ZERO_DECIMAL | THREE_DECIMAL


def exponent(currency: str) -> int:
    cur = currency.lower()
    if cur in ZERO_DECIMAL:
        return 0
    if cur in THREE_DECIMAL:
        return 3
    return 2


def minimum_charge(currency: str) -> int:
    cur = currency.lower()
    if cur in MINIMUM_CHARGE:
        return MINIMUM_CHARGE[cur]
    return int(DEFAULT_MINIMUM_MAJOR.scaleb(exponent(cur)))
