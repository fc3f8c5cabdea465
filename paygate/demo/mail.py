"""The demo's mail capture: an embedded SMTP server whose messages /demo/mail shows."""

from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class CapturedMail:
    received_at: datetime
    sender: str
    to: str
    subject: str
    text: str
    html: str | None


def _part(message: EmailMessage, kind: str) -> str | None:
    part = message.get_body((kind,))
    return str(part.get_content()) if part is not None else None


class DemoMailbox:
    """aiosmtpd handler keeping every message in memory (newest first)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[CapturedMail] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        captured = CapturedMail(
            received_at=datetime.now(UTC), sender=str(message["From"] or ""),
            to=str(message["To"] or ""), subject=str(message["Subject"] or ""),
            text=_part(message, "plain") or "", html=_part(message, "html"))
        with self._lock:
            self._messages.insert(0, captured)
        return "250 Message accepted for delivery"

    def messages(self) -> list[CapturedMail]:
        with self._lock:
            return list(self._messages)


class MailCapture:
    """The SMTP server runs in aiosmtpd's own thread (fine for a demo)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.mailbox = DemoMailbox()
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
