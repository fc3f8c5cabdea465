"""What a receipt a patient can claim with says: the line items of a payment, its GST, and
whether it is a tax invoice.

- Line items (an item number such as a Medicare item, a short description, an amount in
  minor units, GST-free or taxable) must add up to the amount charged. A payment without
  items is one GST-free line: its description and amount (health services are GST-free).
- GST is included in a taxable price: 1/11 of the taxable total. The GST Act's rounding
  (s 9-90, the "total invoice rule"): the unrounded GST of the taxable lines is added up
  and the total rounded to the nearest cent, 0.5 cents upwards.
- The title is "Tax invoice" when the clinic is registered for GST and any line is
  taxable; otherwise "Receipt", with each GST-free line marked so.

Line items and provider numbers stay in paygate: they are never sent to Stripe."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from paygate.domain.errors import AmountMismatch, InvalidInput
from paygate.domain.text import check_text

ITEMS_MAX = 20
CODE_MAX = 20
ITEM_DESCRIPTION_MAX = 200
PROVIDER_NUMBER_MAX = 32
SERVICE_DATE_PAST_DAYS = 730  # a claim is for a recent service
_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z ./-]*$")


class Gst(StrEnum):
    FREE = "free"
    TAXABLE = "taxable"


class Title(StrEnum):
    TAX_INVOICE = "tax_invoice"
    RECEIPT = "receipt"


@dataclass(frozen=True)
class LineItem:
    description: str
    amount: int          # minor units, GST included when taxable
    gst: Gst = Gst.FREE
    code: str | None = None  # the item number, e.g. Medicare item 23

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "description": self.description, "amount": self.amount,
                "gst": self.gst.value}

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> LineItem:
        return cls(description=str(data["description"]), amount=int(data["amount"]),
                   gst=Gst(data.get("gst", Gst.FREE)), code=data.get("code") or None)


def check_items(items: Iterable[LineItem], amount: int) -> tuple[LineItem, ...]:
    """The items, tidied and checked; they must add up to `amount`."""
    checked: list[LineItem] = []
    for index, item in enumerate(items):
        where = f"items.{index}"
        description = check_text(item.description.strip(), f"{where}.description")
        if not description:
            raise InvalidInput("Each item needs a description.", field=f"{where}.description")
        if len(description) > ITEM_DESCRIPTION_MAX:
            raise InvalidInput(f"Keep each item's description under {ITEM_DESCRIPTION_MAX} "
                               "characters.", field=f"{where}.description")
        if isinstance(item.amount, bool) or not isinstance(item.amount, int) \
                or item.amount <= 0:
            raise InvalidInput("Each item's amount is a positive whole number of minor "
                               "units (2500 for 25.00).", field=f"{where}.amount")
        code = (item.code or "").strip() or None
        if code is not None and (len(code) > CODE_MAX or not _CODE.match(code)):
            raise InvalidInput(f"An item number is up to {CODE_MAX} letters, digits, "
                               "spaces, dots, dashes or slashes.", field=f"{where}.code")
        checked.append(LineItem(description, item.amount, Gst(item.gst), code))
    if len(checked) > ITEMS_MAX:
        raise InvalidInput(f"A payment has at most {ITEMS_MAX} items.", field="items")
    total = sum(item.amount for item in checked)
    if checked and total != amount:
        raise AmountMismatch(f"The items add up to {total}, not the amount {amount} "
                             "(both in minor units).", field="items")
    return tuple(checked)


def lines_of(items: tuple[LineItem, ...], description: str, amount: int
             ) -> tuple[LineItem, ...]:
    """The receipt's lines: the items, or the whole payment as one GST-free line."""
    return items or (LineItem(description, amount, Gst.FREE),)


def gst_of_taxable(taxable_total: int) -> int:
    """GST included in a GST-inclusive total: 1/11, to the nearest cent, 0.5 up."""
    if taxable_total < 0:
        raise ValueError("a taxable total is not negative")
    return (2 * taxable_total + 11) // 22


def gst_total(lines: Iterable[LineItem]) -> int:
    """The invoice's GST, by the total invoice rule (s 9-90(2)(a))."""
    return gst_of_taxable(sum(line.amount for line in lines if line.gst is Gst.TAXABLE))


def title_of(gst_registered: bool, lines: Iterable[LineItem]) -> Title:
    if gst_registered and any(line.gst is Gst.TAXABLE for line in lines):
        return Title.TAX_INVOICE
    return Title.RECEIPT


def check_service_date(value: date, today: date) -> date:
    """The date of service: not in the future (a day's slack for time zones), not more
    than two years ago."""
    if value > today + timedelta(days=1):
        raise InvalidInput("The date of service cannot be in the future.",
                           field="service_date")
    if value < today - timedelta(days=SERVICE_DATE_PAST_DAYS):
        raise InvalidInput("The date of service is more than two years ago.",
                           field="service_date")
    return value


def check_provider_number(value: str | None, field: str = "provider_number") -> str | None:
    """A provider identifier as the clinic or host platform gives it (a Medicare provider
    number such as 2423451T, an NPI, a GMC number): one line, letters, digits and a few
    separators."""
    text = (value or "").strip()
    if not text:
        return None
    check_text(text, field)
    if len(text) > PROVIDER_NUMBER_MAX or not _CODE.match(text):
        raise InvalidInput(f"A provider number is up to {PROVIDER_NUMBER_MAX} letters, "
                           "digits, spaces, dots, dashes or slashes.", field=field)
    return text
