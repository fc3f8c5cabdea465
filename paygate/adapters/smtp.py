"""MailTransport over aiosmtplib: smtp://user:pass@host:port, smtps:// for implicit TLS."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

import aiosmtplib

from paygate.services.ports import OutgoingEmail, PermanentMailError, TransientMailError


def build_message(email: OutgoingEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = email.sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = formatdate(localtime=False)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype,
                               filename=attachment.filename)
    return message


class SmtpTransport:
    def __init__(self, url: str, timeout: float = 15.0) -> None:
        parts = urlsplit(url)
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._timeout = timeout

    async def send(self, email: OutgoingEmail) -> None:
        try:
            message = build_message(email)
        except (ValueError, TypeError) as exc:  # an address or header the RFCs refuse
            raise PermanentMailError(f"this email cannot be written: {exc}") from None
        try:
            await aiosmtplib.send(
                message, hostname=self._host, port=self._port,
                username=self._user, password=self._password, use_tls=self._tls,
                start_tls=None if not self._tls else False, timeout=self._timeout,
            )
        except (ValueError, TypeError) as exc:  # aiosmtplib refused an address: for good
            raise PermanentMailError(f"this email cannot be sent: {exc}") from None
        except aiosmtplib.SMTPResponseException as exc:
            if 400 <= exc.code < 500:
                raise TransientMailError(f"{exc.code} {exc.message}") from None
            raise PermanentMailError(f"{exc.code} {exc.message}") from None
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            if codes and all(400 <= c < 500 for c in codes):
                raise TransientMailError(str(exc)) from None
            raise PermanentMailError(str(exc)) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TransientMailError(str(exc) or type(exc).__name__) from None
