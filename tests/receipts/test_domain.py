"""The rules of a claimable receipt, pure: the ATO's ABN checksum, GST rounding (GST Act
s 9-90), items that add up to the amount, and when the document is a tax invoice."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paygate.domain.errors import AmountMismatch, InvalidInput
from paygate.domain.receipts import (
    Gst,
    LineItem,
    Title,
    check_items,
    check_provider_number,
    check_service_date,
    gst_of_taxable,
    gst_total,
    lines_of,
    title_of,
)
from paygate.domain.tax_ids import TaxIdKind, abn_ok, format_abn, parse_abn, parse_tax_id

# ABNs published by their holders: the ATO's own, the example on the ABR's "ABN format"
# page, and Telstra's.
REAL_ABNS = ["51 824 753 556", "53 004 085 616", "33 051 775 556"]


@pytest.mark.parametrize("abn", REAL_ABNS)
def test_real_abns_pass_the_ato_checksum(abn: str) -> None:
    digits = parse_abn(abn)
    assert abn_ok(digits)
    assert format_abn(digits) == abn


@pytest.mark.parametrize("abn", REAL_ABNS)
def test_any_one_changed_digit_fails_the_checksum(abn: str) -> None:
    digits = abn.replace(" ", "")
    for position in range(11):
        for digit in "0123456789":
            if digit != digits[position]:
                changed = digits[:position] + digit + digits[position + 1:]
                assert not abn_ok(changed), changed


def test_two_swapped_neighbours_fail_the_checksum() -> None:
    digits = "51824753556"
    for i in range(10):
        swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
        if swapped != digits:
            assert not abn_ok(swapped), swapped


@pytest.mark.parametrize("text, message", [
    ("51 824 753 557", "check digits"), ("5182475355", "11 digits"),
    ("518247535566", "11 digits"), ("51 824 753 55X", "11 digits"),
    ("٥١٨٢٤٧٥٣٥٥٦", "11 digits"),  # Arabic-Indic digits are not an ABN
])
def test_a_bad_abn_is_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        parse_abn(text)
    assert caught.value.field == "abn"


def test_separators_are_allowed_when_typed() -> None:
    assert parse_abn("51-824-753-556") == parse_abn(" 51824753556 ") == "51824753556"


def test_other_countries_tax_ids_are_kept_as_written_with_their_label() -> None:
    tax_id = parse_tax_id("other", "GB 123 4567 89", "VAT")
    assert tax_id is not None and tax_id.kind is TaxIdKind.OTHER
    assert (tax_id.label, tax_id.display()) == ("VAT", "GB 123 4567 89")
    with pytest.raises(InvalidInput) as caught:
        parse_tax_id("other", "123", "")
    assert caught.value.field == "tax_id_label"
    assert parse_tax_id("abn", "  ") is None
    abn = parse_tax_id("abn", "51 824 753 556")
    assert abn is not None and (abn.label, abn.display()) == ("ABN", "51 824 753 556")


@pytest.mark.parametrize("taxable, gst", [
    (0, 0), (1100, 100), (11000, 1000), (2500, 227),   # 227.27...
    (6, 1),       # 0.5454... cents: to the nearest cent
    (5, 0),       # 0.4545... cents
    (16, 1),      # 1.4545...
    (17, 2),      # 1.5454...
    (10_000_001, 909_091),
])
def test_gst_is_one_eleventh_rounded_to_the_nearest_cent(taxable: int, gst: int) -> None:
    assert gst_of_taxable(taxable) == gst


@given(st.integers(min_value=0, max_value=10**12))
def test_gst_rounding_is_half_up_of_the_exact_eleventh(taxable: int) -> None:
    exact_twentysecond = 2 * taxable  # 22 * (taxable / 11)
    gst = gst_of_taxable(taxable)
    # |gst - taxable/11| <= 1/2, and a tie goes up
    assert abs(22 * gst - exact_twentysecond) <= 11
    if 22 * gst - exact_twentysecond == -11:
        pytest.fail("a tie rounded down")


def test_gst_totals_the_taxable_lines_before_rounding() -> None:
    # Each line's GST alone is 0.4545... cents (rounds to 0); together 1.36 cents -> 1.
    lines = [LineItem("Bandage", 5, Gst.TAXABLE), LineItem("Tape", 5, Gst.TAXABLE),
             LineItem("Gauze", 5, Gst.TAXABLE), LineItem("Consultation", 8000, Gst.FREE)]
    assert gst_total(lines) == 1


def test_items_must_add_up_to_the_amount() -> None:
    items = [LineItem("Consultation", 8000, Gst.FREE, "23"),
             LineItem("Dressing pack", 1100, Gst.TAXABLE)]
    assert sum(i.amount for i in check_items(items, 9100)) == 9100
    with pytest.raises(AmountMismatch) as caught:
        check_items(items, 9000)
    assert caught.value.field == "items"
    assert "9100" in caught.value.message and "9000" in caught.value.message


@pytest.mark.parametrize("item, field", [
    (LineItem(" ", 100), "items.0.description"),
    (LineItem("x" * 201, 100), "items.0.description"),
    (LineItem("Consult", 0), "items.0.amount"),
    (LineItem("Consult", -5), "items.0.amount"),
    (LineItem("Consult", 100, code="23;DROP"), "items.0.code"),
    (LineItem("Consult", 100, code="1" * 21), "items.0.code"),
    (LineItem("Con\x00sult", 100), "items.0.description"),
])
def test_a_bad_item_names_its_field(item: LineItem, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_items([item], item.amount)
    assert caught.value.field == field


def test_no_items_is_one_gst_free_line_of_the_whole_payment() -> None:
    assert check_items([], 2500) == ()
    assert lines_of((), "Consultation", 2500) == (LineItem("Consultation", 2500, Gst.FREE),)


def test_a_tax_invoice_needs_registration_and_a_taxable_line() -> None:
    free = [LineItem("Consultation", 8000, Gst.FREE)]
    mixed = [*free, LineItem("Dressing pack", 1100, Gst.TAXABLE)]
    assert title_of(True, mixed) is Title.TAX_INVOICE
    assert title_of(True, free) is Title.RECEIPT
    assert title_of(False, mixed) is Title.RECEIPT
    assert title_of(False, free) is Title.RECEIPT


def test_the_date_of_service_is_not_in_the_future_nor_long_ago() -> None:
    today = date(2026, 12, 3)
    assert check_service_date(date(2026, 12, 4), today) == date(2026, 12, 4)  # time zones
    for bad in (date(2026, 12, 5), date(2024, 12, 1)):
        with pytest.raises(InvalidInput) as caught:
            check_service_date(bad, today)
        assert caught.value.field == "service_date"


def test_provider_numbers_are_one_short_line() -> None:
    assert check_provider_number(" 2423451T ") == "2423451T"
    assert check_provider_number("") is None
    for bad in ("24234\n51T", "x" * 33, "<script>"):
        with pytest.raises(InvalidInput):
            check_provider_number(bad)
