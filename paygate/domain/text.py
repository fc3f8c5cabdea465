"""Text input rules: no control characters. A NUL is refused by PostgreSQL's text type (and
stored silently by SQLite), CR/LF split mail headers and log lines, and a lone surrogate
cannot be encoded as UTF-8 at all."""

from __future__ import annotations

import re

from paygate.domain.errors import InvalidInput

# C0 controls, DEL, C1 controls and lone surrogates.
_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# The same, but tab and line breaks are allowed in a multi-line field (a note).
_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

CONTROL_MESSAGE = "contains a control character (such as NUL), which is not allowed"


def has_control_character(value: str, *, multiline: bool = False) -> bool:
    pattern = _MULTI_LINE if multiline else _SINGLE_LINE
    return pattern.search(value) is not None


def check_text(value: str, field: str, *, multiline: bool = False) -> str:
    """`value`, or InvalidInput naming `field` when it holds a control character."""
    if has_control_character(value, multiline=multiline):
        raise InvalidInput(f"{field} {CONTROL_MESSAGE}.", field=field)
    return value
