"""The demo's mail capture: an embedded SMTP server whose messages /demo/mail shows."""

from __future__ import annotations

import email
import email.policy
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import aiosmtplib
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class CapturedMail:
    received_at: datetime
    sender: str
    to: str
    subject: str
    text: str
    html: str | None
    reply_to: str | None = None  # a case email's signed reply address
    index: int = 0


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
            text=_part(message, "plain") or "", html=_part(message, "html"),
            reply_to=str(message["Reply-To"]) if message["Reply-To"] else None,
            index=len(self._messages))
        with self._lock:
            self._messages.insert(0, captured)
        return "250 Message accepted for delivery"

    def messages(self) -> list[CapturedMail]:
        with self._lock:
            return list(self._messages)

    def by_index(self, index: int) -> CapturedMail | None:
        return next((m for m in self.messages() if m.index == index), None)


async def send_reply(listener: tuple[str, int], original: CapturedMail, body: str) -> str:
    """Reply to a captured case email as its recipient would, through paygate's own SMTP
    listener; what the listener answered."""
    reply = EmailMessage()
    reply["From"], reply["To"] = original.to, original.reply_to or ""
    reply["Subject"] = "Re: " + original.subject
    reply.set_content(body + "\n\n> " + "\n> ".join(original.text.splitlines()[:20]))
    try:
        await aiosmtplib.send(reply, hostname=listener[0], port=listener[1], timeout=10)
    except aiosmtplib.SMTPException as exc:
        return f"Refused: {exc}"
    return "Sent: the reply is on the case."


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
