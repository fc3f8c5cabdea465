"""Structured logging that never prints a secret, a token or a card number."""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from paygate.domain.luhn import luhn_ok

# One pass finds every secret: Stripe secret, restricted and webhook keys, PaymentIntent
# client secrets, itsdangerous tokens (payload.timestamp.signature, URL-safe base64) and
# bearer credentials (whose "Bearer " is kept).
_SECRETS = re.compile(
    r"\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]+"
    r"|\bwhsec_[A-Za-z0-9]+"
    r"|\bpi_[A-Za-z0-9]+_secret_[A-Za-z0-9]+"
    r"|\b[A-Za-z0-9_\-]{20,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{20,}\b"
    r"|(?i:(bearer\s+))[A-Za-z0-9_\-.]+")
# A card number stands alone: digits glued to letters are part of an id (a request id's
# hex "d4242...d"), not a card.
_DIGIT_RUN = re.compile(r"(?<![\w-])(?:\d[ -]?){12,18}\d(?![\w-]?\w)")
_NOT_DIGIT = re.compile(r"\D")


def _secret(match: re.Match[str]) -> str:
    return (match.group(1) or "") + "[redacted]"


def _card(match: re.Match[str]) -> str:
    digits = _NOT_DIGIT.sub("", match.group(0))
    return "[redacted-pan]" if 13 <= len(digits) <= 19 and luhn_ok(digits) else match.group(0)


def redact(text: str) -> str:
    return _DIGIT_RUN.sub(_card, _SECRETS.sub(_secret, text))


def _clean(text: str) -> bool:
    """Nothing in `text` that redact would change (two scans, not one per field)."""
    return _SECRETS.search(text) is None and _DIGIT_RUN.search(text) is None


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            texts = {k: str(v) for k, v in fields.items()}
            # Every value at once, kept apart by a character no pattern matches across
            # (the request's line has a dozen fields; most lines hold nothing to redact).
            if not _clean("\n".join(texts.values())):
                texts = {k: redact(v) for k, v in texts.items()}
            record.fields = texts
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        base = super().format(record)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict) and fields:
            base += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        return redact(base)


# Libraries log what they handle at DEBUG: aiosqlite every statement with its values (a
# clinical description, an email), the Stripe SDK every request, uvicorn every connection.
# Their records pass below WARNING only when PAYGATE_LIBRARY_LOG_LEVEL asks.
LIBRARY_LOGGERS = ("aiosqlite", "asyncio", "asyncpg", "aiosmtplib", "httpcore", "httpx",
                   "multipart", "python_multipart", "sqlalchemy", "stripe", "urllib3",
                   "websockets", "uvicorn.websockets")


class LibraryFilter(logging.Filter):
    """paygate's own loggers follow PAYGATE_LOG_LEVEL; every other logger is held to the
    library level (uvicorn's start-up and shutdown lines at INFO are kept)."""

    def __init__(self, library_level: str) -> None:
        super().__init__()
        self._floor = logging.getLevelNamesMapping()[library_level]

    def filter(self, record: logging.LogRecord) -> bool:
        name = record.name
        if name == "paygate" or name.startswith("paygate."):
            return True
        floor = self._floor
        if name in ("uvicorn", "uvicorn.error"):
            floor = min(floor, logging.INFO)
        return record.levelno >= floor


def configure_logging(level: str = "INFO", fmt: str = "json",
                      library_level: str = "WARNING") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(LibraryFilter(library_level))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactingFilter())
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else TextFormatter("%(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel("WARNING")
    for name in LIBRARY_LOGGERS:  # not even made into records unless asked
        logging.getLogger(name).setLevel(library_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True


def log_event(logger: logging.Logger, msg: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event with key-value fields (kept as JSON keys); inside a request, with its
    request id (the X-Request-Id it answers with)."""
    line = _request_line.get()
    if line is not None and "request_id" in line:
        fields.setdefault("request_id", line["request_id"])
    logger.log(level, msg, extra={"fields": fields})


class RequestIdFilter(logging.Filter):
    """Any other record logged while a request is served carries its request id too."""

    def filter(self, record: logging.LogRecord) -> bool:
        line = _request_line.get()
        if line is not None and "request_id" in line:
            fields = getattr(record, "fields", None)
            if not isinstance(fields, dict):
                record.fields = fields = {}
            fields.setdefault("request_id", line["request_id"])
        return True


# The fields of the request being served, logged as its one line when it ends.
_request_line: ContextVar[dict[str, Any] | None] = ContextVar("paygate_request_line",
                                                              default=None)


def open_request_line(request_id: str) -> dict[str, Any]:
    """Start collecting fields for the current request's line (the request middleware)."""
    fields: dict[str, Any] = {"request_id": request_id}
    _request_line.set(fields)
    return fields


def log_outcome(logger: logging.Logger, msg: str, **fields: Any) -> None:
    """What a request did (a webhook's event and outcome, say): added to its one log line
    when it runs inside a request, logged on its own otherwise (a worker's retry)."""
    line = _request_line.get()
    if line is None:
        log_event(logger, msg, **fields)
    else:
        line.update(fields)
