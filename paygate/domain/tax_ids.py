"""Tax identifiers printed on receipts: the Australian Business Number, checked with the
ATO's algorithm, or another country's id as the clinic writes it.

The ABN check (ABR, "ABN format"): subtract 1 from the first digit, weight the 11 digits
10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, add the products; a valid ABN's sum is a multiple
of 89. The ATO's own ABN, 51 824 753 556, passes; change any one digit and it fails."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from paygate.domain.errors import InvalidInput
from paygate.domain.text import check_text

ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
OTHER_MAX = 40
LABEL_MAX = 30
_SEPARATORS = re.compile(r"[\s\u00a0-]")


class TaxIdKind(StrEnum):
    ABN = "abn"        # Australia: 11 digits, checksum
    OTHER = "other"    # another country's id (VAT, GSTIN, NZBN, ...), with its label


def abn_ok(digits: str) -> bool:
    """True for 11 digits that pass the ATO's checksum."""
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return False
    values = [int(c) for c in digits]
    values[0] -= 1
    return sum(w * v for w, v in zip(ABN_WEIGHTS, values, strict=True)) % 89 == 0


def parse_abn(text: str, field: str = "abn") -> str:
    """An ABN as typed ("51 824 753 556", "51-824-753-556"), as its 11 digits."""
    digits = _SEPARATORS.sub("", text)
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        raise InvalidInput("An ABN is 11 digits.", field=field)
    if not abn_ok(digits):
        raise InvalidInput("This is not a valid ABN: its check digits do not match. "
                           "Check it on the ABN Lookup.", field=field)
    return digits


def format_abn(digits: str) -> str:
    """The ATO's grouping: 51 824 753 556."""
    return f"{digits[:2]} {digits[2:5]} {digits[5:8]} {digits[8:]}"


@dataclass(frozen=True)
class TaxId:
    kind: TaxIdKind
    value: str          # an ABN's 11 digits, or the other id as written
    label: str = "ABN"  # what the receipt prints before it

    def display(self) -> str:
        return format_abn(self.value) if self.kind is TaxIdKind.ABN else self.value


def parse_tax_id(kind: str, value: str, label: str = "") -> TaxId | None:
    """The clinic's tax id from its form; None when it gives none."""
    value = value.strip()
    if not value:
        return None
    if kind == TaxIdKind.ABN:
        return TaxId(TaxIdKind.ABN, parse_abn(value, field="tax_id"))
    if kind != TaxIdKind.OTHER:
        raise InvalidInput("Choose ABN or another tax id.", field="tax_id_kind")
    check_text(value, "tax_id")
    label = label.strip()
    check_text(label, "tax_id_label")
    if len(value) > OTHER_MAX:
        raise InvalidInput(f"Keep the tax id under {OTHER_MAX} characters.", field="tax_id")
    if not label:
        raise InvalidInput("Say what the tax id is (for example VAT or NZBN).",
                           field="tax_id_label")
    if len(label) > LABEL_MAX:
        raise InvalidInput(f"Keep the tax id's name under {LABEL_MAX} characters.",
                           field="tax_id_label")
    return TaxId(TaxIdKind.OTHER, value, label)
