"""Money as integer minor units with a per-currency exponent.

The exponent and minimum-charge facts follow Stripe's documentation
(https://docs.stripe.com/currencies): zero-decimal currencies such as JPY take whole
units, three-decimal ones such as KWD take thousandths (Stripe requires the last digit
to be 0 for those), everything else takes hundredths.

The exponent here is the only source of a currency's decimals in paygate: amounts are
stored, sent to Stripe and shown with it (paygate.i18n.format_money), never with a locale
library's (CLDR/Babel) digits, which differ for some currencies and change between releases.

Stripe's special cases (docs.stripe.com/currencies#special-cases), and what paygate does:
- HUF: two decimals in Stripe's API (CLDR and Babel >= 2.19 say 0). Charges may carry
  fillér; only payouts must be whole forints. paygate offers HUF with exponent 2 and shows
  both decimals ("HUF 175.50"), so the amount shown is the amount charged.
- TWD: the same as HUF (two decimals in the API, whole dollars only for payouts). Not
  offered today; exponent 2 if it is.
- ISK: two decimals in Stripe's API, but since 2023 the card networks take whole krónur
  only, so an amount must be a multiple of 100. Not offered today (it would need that
  rule beside the three-decimal one); exponent 2.
- UGX: zero-decimal in Stripe's API (the amount is whole shillings). Not offered today;
  exponent 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from paygate.domain.errors import InvalidAmount, UnsupportedCurrency

# Stripe's zero-decimal and three-decimal lists; every other currency takes hundredths,
# including the special cases HUF, TWD and ISK above.
ZERO_DECIMAL = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split()
)
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())

# Currencies paygate offers. Stripe supports more; this is the set clinics can pick.
SUPPORTED = frozenset(
    "usd eur gbp cad aud nzd chf sek nok dkk pln czk huf jpy krw sgd hkd inr bdt "
    "mxn brl zar aed kwd bhd jod omr".split()
)

# Stripe's minimum charge amounts, in minor units of the charge currency.
MINIMUM_CHARGE: dict[str, int] = {
    "usd": 50, "eur": 50, "gbp": 30, "cad": 50, "aud": 50, "nzd": 50, "chf": 50,
    "sek": 300, "nok": 300, "dkk": 250, "pln": 200, "czk": 1500, "huf": 17500,
    "jpy": 50, "krw": 700, "sgd": 50, "hkd": 400, "inr": 50, "bdt": 5000, "mxn": 1000,
    "brl": 50, "zar": 1000, "aed": 200, "kwd": 200, "bhd": 200, "jod": 400, "omr": 200,
}
# Stripe's documented fallback for a currency without its own row: about 0.50 USD.
DEFAULT_MINIMUM_MAJOR = Decimal("0.50")

# Stripe's cap for an amount: eight digits in minor units.
MAXIMUM_AMOUNT = 99_999_999

_AMOUNT_TEXT = re.compile(r"^\s*(\d{1,12})(?:[.,](\d+))?\s*$")


def normalize_currency(code: str) -> str:
    """Lower-case ISO 4217 code, refused unless paygate supports it."""
    value = (code or "").strip().lower()
    if value not in SUPPORTED:
        raise UnsupportedCurrency(f"Currency {code!r} is not supported.")
    return value


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


@dataclass(frozen=True, order=True)
class Money:
    """An exact amount: integer minor units of one currency."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidAmount("Amounts are whole numbers of minor units.")
        object.__setattr__(self, "currency", normalize_currency(self.currency))

    @classmethod
    def from_major(cls, text: str, currency: str) -> Money:
        """Parse what a person typed ("12.50", "1 000" is refused) in major units."""
        cur = normalize_currency(currency)
        match = _AMOUNT_TEXT.match(text or "")
        if not match:
            raise InvalidAmount("Enter the amount as a number, for example 25.00.")
        whole, frac = match.group(1), match.group(2) or ""
        exp = exponent(cur)
        if len(frac.rstrip("0")) > exp:
            places = "no decimals" if exp == 0 else f"at most {exp} decimals"
            raise InvalidAmount(f"{cur.upper()} amounts take {places}.")
        try:
            minor = int(Decimal(f"{whole}.{frac or '0'}").scaleb(exp))
        except InvalidOperation as exc:  # pragma: no cover - regex guards this
            raise InvalidAmount("Enter the amount as a number.") from exc
        return cls(minor, cur)

    def to_major(self) -> Decimal:
        return Decimal(self.amount).scaleb(-exponent(self.currency))

    def format(self) -> str:
        """With the ISO code, for logs, the ledger's history and the API's amount_display:
        "USD 12.50", "JPY 500". People read amounts through paygate.i18n.format_money."""
        exp = exponent(self.currency)
        return f"{self.currency.upper()} {self.to_major():,.{exp}f}"

    def check_chargeable(self, maximum: int | None = None) -> None:
        """Refuse amounts Stripe would refuse, and those above a clinic's maximum."""
        if self.amount <= 0:
            raise InvalidAmount("The amount must be greater than zero.")
        low = minimum_charge(self.currency)
        if self.amount < low:
            raise InvalidAmount(
                f"The minimum amount is {Money(low, self.currency).format()}."
            )
        cap = MAXIMUM_AMOUNT if maximum is None else min(maximum, MAXIMUM_AMOUNT)
        if self.amount > cap:
            raise InvalidAmount(
                f"The maximum amount is {Money(cap, self.currency).format()}."
            )
        if exponent(self.currency) == 3 and self.amount % 10:
            raise InvalidAmount(
                f"{self.currency.upper()} amounts must end in 0 (Stripe charges them in "
                "hundredths)."
            )
