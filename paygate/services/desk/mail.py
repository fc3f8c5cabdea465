"""Case emails: one per step, each with the case number in its subject and, when paygate
reads replies, a reply address signed for that case and that recipient's mailbox.

A reply is taken as that person's only when both agree: the address's signature covers
(case, mailbox), so an address copied into a mail from anyone else, or one made up, is
refused. The From header alone never is enough."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.cases import STATUS_LABELS, CaseStatus, case_number
from paygate.services.mail.outbox import Draft, Outbox
from paygate.settings import Settings
from paygate.store.models import Case

REPLY_MARKER = "-- Reply above this line to add to the case --"
_ADDRESS = re.compile(r"^case-(\d{1,9})-([a-z2-7]{16})@(.+)$")


class CaseMail:
    def __init__(self, outbox: Outbox, settings: Settings) -> None:
        self._outbox = outbox
        self._settings = settings
        self._key = hashlib.sha256(b"paygate.case-reply.v1" +
                                   settings.secret_key.encode()).digest()

    @property
    def replies_read(self) -> bool:
        return bool(self._settings.inbound_smtp or self._settings.inbound_secret)

    def _signature(self, case_id: int, mailbox: str) -> str:
        mac = hmac.new(self._key, f"{case_id}:{mailbox.strip().lower()}".encode(),
                       hashlib.sha256).digest()
        return base64.b32encode(mac[:10]).decode().lower()

    def reply_address(self, case_id: int, mailbox: str) -> str:
        return (f"case-{case_id}-{self._signature(case_id, mailbox)}"
                f"@{self._settings.mail_domain}")

    def is_reply_address(self, address: str) -> bool:
        match = _ADDRESS.match(address.strip().lower())
        return bool(match and match.group(3) == self._settings.mail_domain)

    def case_of(self, address: str, mailbox: str) -> int | None:
        """The case a reply to `address` from `mailbox` belongs to, or None if the address
        was not issued to that mailbox."""
        match = _ADDRESS.match(address.strip().lower())
        if not match or match.group(3) != self._settings.mail_domain:
            return None
        case_id = int(match.group(1))
        expected = self._signature(case_id, mailbox)
        return case_id if hmac.compare_digest(expected, match.group(2)) else None

    def link(self, case: Case) -> str:
        base = (self._settings.public_url or "").rstrip("/")
        return f"{base}/admin/requests/{case_number(case.id)}"

    def follow_up_link(self, case: Case) -> str:
        base = (self._settings.public_url or "").rstrip("/")
        form = "requests" if case.kind == "enablement" else "cases"
        return f"{base}/admin/{form}/new?follows={case_number(case.id)}"

    async def send(self, tx: AsyncSession, case: Case, key: str, to: str, name: str,
                   subject: str, body: str, author: str | None = None,
                   desk: bool = False) -> None:
        """One case email to one person, keyed so a retried step never sends it twice.
        `desk`: to an operator. Its key starts "desk:", not "case:", so the case's
        organisation never sees it (nor the operator's address) among its undelivered
        emails; operators see every undelivered email anyway."""
        number = case_number(case.id)
        lines = [f"Hello {name},", "", f"{subject}.", "",
                 f"Status: {STATUS_LABELS[CaseStatus(case.status)]}"]
        if author:
            lines.append(f"From {author}:")
        lines += [body, "", f"See the whole case and reply: {self.link(case)}", ""]
        reply_to = None
        if self.replies_read:
            reply_to = self.reply_address(case.id, to)
            lines = [REPLY_MARKER, "", *lines,
                     "You can also reply to this email; attachments you send wait for "
                     "you to confirm on the case page that they hold no health "
                     "information."]
        else:
            lines.append("Replies to this email are not read; please reply on the case "
                         "page.")
        await self._outbox.enqueue(tx, Draft(
            kind="case_update",
            dedupe_key=f"{'desk' if desk else 'case'}:{case.id}:{key}:{to.lower()}", to=to,
            subject=f"[{number}] {subject}", text="\n".join(lines) + "\n",
            reply_to=reply_to))

    def wake(self) -> None:
        self._outbox.wake()
