"""Replies to case emails, from paygate's SMTP listener or a mail provider's webhook.

A reply counts only when its reply address was signed for this case and the sender's
mailbox (see mail.py). Quoted history is cut; attachments wait, unseen, until their sender
confirms on the case page that they hold no health information; a reply to a closed case
is answered with the way to a follow-up; auto-replies are ignored, so two robots never
write to each other."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.cases import CLOSED, case_number
from paygate.logs import log_event
from paygate.services.desk import attachments
from paygate.services.desk.attachments import Upload
from paygate.services.desk.mail import REPLY_MARKER, CaseMail
from paygate.services.desk.service import CaseService
from paygate.services.desk.steps import MAX_TEXT, Author, members
from paygate.store.database import Database
from paygate.store.models import Case, CaseComment

logger = logging.getLogger("paygate.desk.inbound")
_QUOTE_HEADERS = (
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*Le\b.{0,300}\ba écrit\s*:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^_{10,}\s*$"),
    re.compile(r"^From:\s.+$"),
)


class Outcome(StrEnum):
    ADDED = "added"        # a comment on the case
    ANSWERED = "answered"  # the case is closed: the sender was told how to follow up
    IGNORED = "ignored"    # an auto-reply, or nothing left once the quote is cut
    REFUSED = "refused"    # not a reply address paygate signed for this sender


def strip_quoted(text: str) -> str:
    """The new part of a reply: above our marker, the client's "On ... wrote:" line or an
    Outlook header block, without ">" quotes or a "-- " signature."""
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    for index, raw in enumerate(lines):
        current = raw.rstrip()
        if REPLY_MARKER in current or current == "-- ":
            break
        pair = current + " " + lines[index + 1].strip() if index + 1 < len(lines) else ""
        if any(p.match(current) for p in _QUOTE_HEADERS) or (
                pair and _QUOTE_HEADERS[0].match(pair) and current.lstrip().startswith("On")):
            break
        if current.lstrip().startswith(">"):
            continue
        kept.append(current)
    return "\n".join(kept).strip()


def _text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        content = re.sub(r"(?is)<(script|style|blockquote).*?</\1>", "", content)
        content = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)
        content = html.unescape(re.sub(r"<[^>]+>", "", content))
    return str(content)


def _automatic(message: EmailMessage) -> bool:
    auto = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    return auto != "no" or precedence in ("bulk", "junk", "list", "auto_reply") or bool(
        message.get("X-Autoreply") or message.get("X-Autorespond"))


class InboundMail:
    def __init__(self, db: Database, cases: CaseService) -> None:
        self._db = db
        self._cases = cases
        self._mail: CaseMail = cases.mail

    def accepts(self, recipient: str) -> bool:
        return self._mail.is_reply_address(recipient)

    async def receive(self, raw: bytes, recipients: Sequence[str] = ()) -> Outcome:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        sender = parseaddr(str(message.get("From", "")))[1].strip().lower()
        headers = [str(v) for k in ("To", "Cc", "Delivered-To") for v in
                   message.get_all(k, [])]
        candidates = [*recipients, *(a for _, a in getaddresses(headers))]
        address = next((a for a in candidates if self.accepts(a)), None)
        case_id = self._mail.case_of(address, sender) if address and sender else None
        if case_id is None:
            log_event(logger, "case reply refused", reason="unsigned address or sender")
            return Outcome.REFUSED
        if _automatic(message):
            return Outcome.IGNORED
        message_id = str(message.get("Message-ID", "")).strip()[:200] or None
        body = strip_quoted(_text_of(message))[:MAX_TEXT]
        uploads = [Upload(str(p.get_filename() or "attachment"), p.get_content())
                   for p in message.iter_attachments()
                   if isinstance(p.get_content(), bytes)]
        async with self._db.transaction() as tx:
            case = await tx.get(Case, case_id)
            if case is None:
                return Outcome.REFUSED
            author, operator = await self._author(tx, case, sender)
            if author is None:
                return Outcome.REFUSED
            if message_id and await tx.scalar(select(CaseComment.id).where(
                    CaseComment.case_id == case.id, CaseComment.message_id == message_id)):
                return Outcome.ADDED  # the same message delivered twice
            number = case_number(case.id)
            if case.status in CLOSED:
                await self._mail.send(
                    tx, case, f"closed-reply:{message_id or len(body)}", sender, author.name,
                    f"{number} is closed, so your reply was not added",
                    "To go on, open a follow-up case, which links to this one: "
                    f"{self._mail.follow_up_link(case)}", desk=operator)
                self._mail.wake()
                return Outcome.ANSWERED
            kept, refused = [], []
            for upload in uploads:
                try:
                    kept += attachments.check([upload], no_phi=True)
                except Exception:
                    refused.append(upload.filename)
            if not body and not kept:
                return Outcome.IGNORED
            row = await self._cases.add_comment(
                tx, case, author, operator, body or "(attachments only)", sender, kept,
                via="email", confirmed=False, message_id=message_id)
            if kept or refused:
                lines = []
                if kept:
                    lines.append(f"{len(kept)} attachment(s) wait for you: confirm on the "
                                 f"case page that they hold no health information, or "
                                 f"discard them. Until then nobody else sees them: "
                                 f"{self._mail.link(case)}")
                if refused:
                    lines.append("Not kept (only PNG, JPEG, GIF, WebP or PDF up to 5 MB): "
                                 + ", ".join(refused))
                await self._mail.send(tx, case, f"line:{row.id}:files", sender, author.name,
                                      f"Confirm the attachments you sent to {number}",
                                      "\n\n".join(lines), desk=operator)
        self._mail.wake()
        log_event(logger, "case reply added", case=case_number(case_id))
        return Outcome.ADDED

    async def _author(self, tx: AsyncSession, case: Case,
                      sender: str) -> tuple[Author | None, bool]:
        if case.requester_email and case.requester_email.lower() == sender:
            return Author(case.requester_id, case.requester_name, case.requester_role), False
        for person in await members(tx):
            if person.email and person.email.lower() == sender:
                return Author(person.user_id, person.name, "operator"), True
        return None, False
