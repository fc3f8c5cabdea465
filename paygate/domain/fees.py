"""The platform's fee on each payment (Stripe's `application_fee_amount` on a direct
charge): a percentage plus a fixed amount, written like "1.5%+30".

The percentage has at most two decimals (basis points); the fixed part is in the
payment's minor units (30 is 0.30 USD, 30 JPY). The fee is the percentage of the amount
rounded half up to a whole minor unit, plus the fixed part, and never more than the
amount itself (Stripe refuses that)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from paygate.domain.errors import InvalidInput

_FORMAT = re.compile(r"^\s*(?:(\d{1,2}(?:\.\d{1,2})?)\s*%)?\s*(?:\+?\s*(\d{1,6}))?\s*$")


@dataclass(frozen=True)
class FeeRule:
    basis_points: int  # 150 is 1.5%
    fixed: int         # minor units

    def fee(self, amount: int) -> int:
        percent = (amount * self.basis_points * 2 + 10_000) // 20_000  # half up
        return min(amount, percent + self.fixed)

    def text(self) -> str:
        whole, part = divmod(self.basis_points, 100)
        percent = f"{whole}.{part:02d}".rstrip("0").rstrip(".")
        return f"{percent}%+{self.fixed}"


def parse_fee(text: str) -> FeeRule | None:
    """"1.5%+30", "2%", "30" -> a FeeRule; "" or "0" -> None (no fee)."""
    found = _FORMAT.match(text or "")
    if not text.strip() or found is None or not (found.group(1) or found.group(2)):
        if not text.strip():
            return None
        raise InvalidInput(f"{text!r} is not a fee: write a percentage and/or a fixed "
                           "amount in minor units, like 1.5%+30, 2% or 30.")
    percent, fixed = found.group(1) or "0", int(found.group(2) or 0)
    whole, _, part = percent.partition(".")
    rule = FeeRule(int(whole) * 100 + int((part + "00")[:2]), fixed)
    return None if rule.basis_points == 0 and rule.fixed == 0 else rule
