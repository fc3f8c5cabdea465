"""The Luhn check digit, which tells a card number from other digit runs (for redaction and
the sandbox's card checks; paygate itself never handles card numbers)."""

from __future__ import annotations


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0
