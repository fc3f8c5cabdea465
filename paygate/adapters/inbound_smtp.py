"""paygate's own SMTP listener for replies to case emails (PAYGATE_INBOUND_SMTP=host:port),
on aiosmtpd in the app's event loop. Put it behind your MX (or a relay that forwards the
reply domain to it); it accepts mail only for reply addresses paygate signed, and says 550
to anything else, so it is never an open relay."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from paygate.services.ports import MailInbox

logger = logging.getLogger("paygate.inbound_smtp")
MAX_MESSAGE = 25 * 1024 * 1024


class _Handler:
    def __init__(self, inbox: MailInbox) -> None:
        self._inbox = inbox

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if not self._inbox.accepts(address):
            return "550 5.1.1 Not a reply address of this service desk"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw or "").encode()
        try:
            outcome = await self._inbox.receive(data, list(envelope.rcpt_tos))
        except Exception:
            logger.exception("could not take an inbound reply")
            return "451 4.3.0 Try again later"
        if outcome == "refused":
            return "550 5.7.1 This reply could not be matched to its case and sender"
        return "250 2.0.0 Thank you"


class InboundSmtp:
    def __init__(self, inbox: MailInbox, host: str, port: int, hostname: str) -> None:
        self._inbox = inbox
        self._host, self._port, self._hostname = host, port, hostname
        self._server: asyncio.base_events.Server | None = None

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        handler = _Handler(self._inbox)

        def protocol() -> Any:
            return SMTP(handler, data_size_limit=MAX_MESSAGE, hostname=self._hostname,
                        enable_SMTPUTF8=True, decode_data=False)

        self._server = await asyncio.get_running_loop().create_server(
            protocol, self._host, self._port)
        logger.info("inbound SMTP listening on %s:%s", self._host, self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
