"""Attachments: images and PDFs only, judged by their content, never by their name; each
accepted only once its sender confirms it holds no protected health information."""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from paygate.domain.errors import InvalidInput, NotFound
from paygate.store.database import utcnow
from paygate.store.models import Case, CaseAttachment

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 3
LIMITS = "PNG, JPEG, GIF, WebP or PDF; up to 3 files of 5 MB each"
PHI_WORDS = ("I confirm these files contain no protected health information: no patient "
             "names, dates of birth, Medicare or insurance numbers, clinical notes or images "
             "of patients.")
_EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
               "image/webp": ".webp", "application/pdf": ".pdf"}


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


def sniff(content: bytes) -> str | None:
    """The file's type from its first bytes, or None when it is none of the allowed."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content[:1024].lstrip(b"\r\n\t ").startswith(b"%PDF-"):
        return "application/pdf"
    return None


def safe_name(name: str, content_type: str) -> str:
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>:|?*')[:120]
    stem = base.rsplit(".", 1)[0].strip(". ") or "attachment"
    return stem + _EXTENSIONS[content_type]


def check(uploads: Sequence[Upload], no_phi: bool) -> list[tuple[Upload, str]]:
    """Every file's type, or a clear refusal. Nothing is kept when any file is refused."""
    files = [u for u in uploads if u.content or u.filename]
    if not files:
        return []
    if not no_phi:
        raise InvalidInput("Confirm that the files contain no protected health information "
                           "before attaching them; nothing was uploaded.", field="no_phi")
    if len(files) > MAX_FILES:
        raise InvalidInput(f"Attach at most {MAX_FILES} files.", field="attachments")
    checked = []
    for upload in files:
        if not upload.content:
            raise InvalidInput(f"{upload.filename} is empty.", field="attachments")
        if len(upload.content) > MAX_BYTES:
            raise InvalidInput(f"{upload.filename} is over 5 MB.", field="attachments")
        kind = sniff(upload.content)
        if kind is None:
            raise InvalidInput(f"{upload.filename} is not a PNG, JPEG, GIF, WebP or PDF "
                               "file.", field="attachments")
        checked.append((upload, kind))
    return checked


def store(tx: AsyncSession, case: Case | None, comment_id: int | None,
          files: Sequence[tuple[Upload, str]], uploader_id: str, uploader_name: str,
          email: str | None, confirmed: bool, draft: str | None = None
          ) -> list[CaseAttachment]:
    now = utcnow()
    rows = [CaseAttachment(
        case_id=case.id if case else None, draft=draft, comment_id=comment_id,
        filename=safe_name(u.filename, kind),
        content_type=kind, size=len(u.content), sha256=hashlib.sha256(u.content).hexdigest(),
        content=u.content, uploader_id=uploader_id, uploader_name=uploader_name,
        uploader_email=email, no_phi_confirmed_at=now if confirmed else None,
        created_at=now) for u, kind in files]
    tx.add_all(rows)
    return rows


async def of_case(tx: AsyncSession, case_id: int) -> list[CaseAttachment]:
    return list((await tx.scalars(select(CaseAttachment).where(
        CaseAttachment.case_id == case_id).order_by(CaseAttachment.id))).all())


async def one(tx: AsyncSession, case_id: int, attachment_id: int) -> CaseAttachment:
    row = await tx.scalar(select(CaseAttachment).options(undefer(CaseAttachment.content))
                          .where(CaseAttachment.case_id == case_id,
                                 CaseAttachment.id == attachment_id))
    if row is None:
        raise NotFound("There is no such attachment on this case.")
    return row


async def drafts(tx: AsyncSession, token: str, uploader_id: str) -> list[CaseAttachment]:
    """The files of a case being filed (shown in its preview), only to who sent them."""
    if not token:
        return []
    return list((await tx.scalars(select(CaseAttachment).where(
        CaseAttachment.draft == token, CaseAttachment.uploader_id == uploader_id,
        CaseAttachment.case_id.is_(None)).order_by(CaseAttachment.id))).all())


async def claim(tx: AsyncSession, case: Case, token: str, uploader_id: str) -> int:
    rows = await drafts(tx, token, uploader_id)
    for row in rows:
        row.case_id, row.draft = case.id, None
    return len(rows)


async def forget_drafts(tx: AsyncSession, older_than: datetime) -> int:
    """Files of previews never submitted."""
    rows = (await tx.scalars(select(CaseAttachment).where(
        CaseAttachment.case_id.is_(None), CaseAttachment.created_at < older_than))).all()
    for row in rows:
        await tx.delete(row)
    return len(rows)
