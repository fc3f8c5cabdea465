"""Money is integer minor units with each currency's exponent; never floats."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paygate.domain.errors import InvalidAmount, UnsupportedCurrency
from paygate.domain.money import SUPPORTED, Money, exponent, minimum_charge

CURRENCIES = sorted(SUPPORTED)


@pytest.mark.parametrize(("currency", "exp"), [("usd", 2), ("eur", 2), ("jpy", 0),
                                                ("krw", 0), ("kwd", 3), ("bhd", 3)])
def test_exponents(currency: str, exp: int) -> None:
    assert exponent(currency) == exp


@pytest.mark.parametrize(("text", "currency", "minor"), [
    ("12.50", "usd", 1250), ("12,5", "eur", 1250), ("12", "gbp", 1200),
    ("0.07", "usd", 7), ("500", "jpy", 500), ("1.250", "kwd", 1250), ("3", "kwd", 3000),
])
def test_parsing_major_units(text: str, currency: str, minor: int) -> None:
    assert Money.from_major(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(("text", "currency"), [
    ("12.505", "usd"), ("500.5", "jpy"), ("1.2345", "kwd"), ("", "usd"), ("abc", "usd"),
    ("-5", "usd"), ("1e3", "usd"), ("1 000", "usd"),
])
def test_parsing_refuses_what_is_not_an_amount(text: str, currency: str) -> None:
    with pytest.raises(InvalidAmount):
        Money.from_major(text, currency)


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(UnsupportedCurrency):
        Money(100, "xyz")


def test_floats_are_never_money() -> None:
    with pytest.raises(InvalidAmount):
        Money(12.5, "usd")  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        Money(True, "usd")


def test_minimums_follow_stripe() -> None:
    assert minimum_charge("usd") == 50 and minimum_charge("jpy") == 50
    with pytest.raises(InvalidAmount, match=r"minimum amount is USD 0\.50"):
        Money(49, "usd").check_chargeable()
    Money(50, "usd").check_chargeable()
    with pytest.raises(InvalidAmount, match="JPY 50"):
        Money(49, "jpy").check_chargeable()


def test_clinic_maximum_and_three_decimal_rule() -> None:
    with pytest.raises(InvalidAmount, match=r"maximum amount is USD 100\.00"):
        Money(10001, "usd").check_chargeable(maximum=10000)
    with pytest.raises(InvalidAmount, match="end in 0"):
        Money(1255, "kwd").check_chargeable()
    Money(1250, "kwd").check_chargeable()


def test_formatting() -> None:
    assert Money(123456, "usd").format() == "USD 1,234.56"
    assert Money(500, "jpy").format() == "JPY 500"
    assert Money(1250, "kwd").format() == "KWD 1.250"


@given(st.sampled_from(CURRENCIES), st.integers(min_value=0, max_value=99_999_999))
def test_major_text_round_trips_exactly(currency: str, minor: int) -> None:
    money = Money(minor, currency)
    assert isinstance(money.to_major(), Decimal)
    assert Money.from_major(str(money.to_major()), currency) == money


@given(st.sampled_from(CURRENCIES), st.integers(min_value=0, max_value=10**9),
       st.integers(min_value=0, max_value=999))
def test_parsed_amounts_are_integers_scaled_by_the_exponent(
        currency: str, whole: int, frac: int) -> None:
    exp = exponent(currency)
    text = f"{whole}.{frac:03d}"[: len(str(whole)) + 1 + exp] if exp else str(whole)
    money = Money.from_major(text, currency)
    assert isinstance(money.amount, int)
    assert money.amount == int(Decimal(text).scaleb(exp))
