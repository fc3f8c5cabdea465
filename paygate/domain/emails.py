"""The one rule for an email address paygate will write into a header, and for text that
ends up in one (a display name, a subject made from a clinic's name).

Every input path checks here, so the outbox never holds an email it cannot build. The
address rule is email-validator's (RFC 5321/5322 syntax, IDNA domains), without its DNS
look-ups; an address must be ASCII once its domain is encoded, so any SMTP relay takes it.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

from paygate.domain.errors import InvalidInput

MAX_ADDRESS = 320
# What would break a header line (or end it early): CR, LF and every other line boundary
# Python's email package folds on, and NUL.
_LINE_BREAK = re.compile(r"[\x00\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def parse_address(value: str | None, *, field: str, message: str) -> str:
    """`value` as one plain address (trimmed, domain normalised and ASCII-encoded);
    InvalidInput naming `field`, with `message`, when it is not one."""
    text = (value or "").strip()
    if not text or len(text) > MAX_ADDRESS:
        raise InvalidInput(message, field=field)
    try:
        parsed = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise InvalidInput(message, field=field) from None
    return parsed.ascii_email or parsed.normalized


def address_or_none(value: str | None) -> str | None:
    """The address in `value` if it is one, else None (a contact that is a phone number)."""
    try:
        return parse_address(value, field="email", message="")
    except InvalidInput:
        return None


def one_line(value: str, *, field: str, what: str) -> str:
    """`value` unchanged if it can go into an email header; InvalidInput naming `field`
    otherwise (`what` names it for a person: "The name shown to patients")."""
    if _LINE_BREAK.search(value):
        raise InvalidInput(f"{what} must be on one line (no line breaks).", field=field)
    return value
