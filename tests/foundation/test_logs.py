"""Logs never carry a card number, a Stripe secret or a token."""

from __future__ import annotations

import json
import logging

import pytest

from paygate.logs import JsonFormatter, LibraryFilter, RedactingFilter, log_event, redact


@pytest.mark.parametrize("secret", [
    "4242424242424242", "4242 4242 4242 4242", "4000-0025-0000-3155", "378282246310005",
    "sk_test_51Habc123", "sk_live_abcdef", "rk_test_xyz", "whsec_abc123",
    "pi_3Labc_secret_XYZ123",
    ".eJyrViouTVKyUio1VNJRykvMTQWyXYoUHIG8ovwcEC85.awOBbg.TUvrjfEjCV1a-J7wmKKkT2IwhVI",
])
def test_redact_removes_secrets(secret: str) -> None:
    assert secret not in redact(f"something {secret} happened")


def test_redact_keeps_ordinary_numbers() -> None:
    assert redact("amount 1250 for 12 items, id 1234567890123") == \
        "amount 1250 for 12 items, id 1234567890123"


@pytest.mark.parametrize("token", [
    "d4242424242424242d", "pr_9f4242424242424242ab", "req-4242424242424242x",
    "4242424242424242abc", "evt_1A4242424242424242",
])
def test_redact_keeps_ids_whose_digits_look_like_a_card(token: str) -> None:
    # A Luhn-valid run inside a longer id is part of the id, not a card number.
    assert redact(f"request {token} was paid") == f"request {token} was paid"


@pytest.mark.parametrize("line", [
    "card 4242424242424242.", "pan=4242 4242 4242 4242, then", "(4000-0025-0000-3155)",
    "4242424242424242", "number:378282246310005;",
])
def test_redact_still_finds_card_numbers_beside_punctuation(line: str) -> None:
    redacted = redact(line)
    assert "[redacted-pan]" in redacted
    assert not any(card in redacted for card in ("4242", "3155", "8282"))


def test_log_lines_are_json_and_redacted(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("paygate.test")
    record = logger.makeRecord("paygate.test", logging.INFO, __file__, 1,
                               "paid with %s", ("4242424242424242",), None,
                               extra={"fields": {"key": "sk_test_123abc", "amount": 1250}})
    assert RedactingFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert "4242424242424242" not in line["msg"] and line["amount"] == "1250"
    assert "sk_test_123abc" not in json.dumps(line)
    log_event(logger, "still works", amount=5)


def test_a_secret_among_many_fields_is_still_redacted_and_the_rest_kept() -> None:
    # The filter scans all values at once before redacting one by one.
    fields = {"event_id": "evt_1Nabcdefghijklmnopqrst", "outcome": "paid", "status": 200,
              "note": "card 4242 4242 4242 4242 given", "auth": "Bearer",
              "next": "abc.def.ghi", "ms": 1.2}
    made = logging.getLogger("paygate.test").makeRecord(
        "paygate.test", logging.INFO, __file__, 1, "request", (), None,
        extra={"fields": dict(fields)})
    assert RedactingFilter().filter(made)
    out = made.fields  # type: ignore[attr-defined]
    assert out["note"] == "card [redacted-pan] given"
    assert (out["event_id"], out["outcome"], out["status"], out["auth"], out["next"],
            out["ms"]) == ("evt_1Nabcdefghijklmnopqrst", "paid", "200", "Bearer",
                           "abc.def.ghi", "1.2")


def record(name: str, level: int) -> logging.LogRecord:
    return logging.getLogger(name).makeRecord(name, level, __file__, 1, "x", (), None)


def test_libraries_are_held_to_their_own_level_unless_asked() -> None:
    held, asked = LibraryFilter("WARNING"), LibraryFilter("DEBUG")
    assert held.filter(record("paygate.outbox", logging.DEBUG))
    assert not held.filter(record("aiosqlite", logging.DEBUG))
    assert not held.filter(record("stripe", logging.INFO))
    assert held.filter(record("stripe", logging.WARNING))
    assert held.filter(record("uvicorn.error", logging.INFO))  # started, stopped
    assert not held.filter(record("uvicorn.error", logging.DEBUG))
    assert asked.filter(record("aiosqlite", logging.DEBUG))
