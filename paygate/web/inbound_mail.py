"""Replies to case emails, posted by a mail provider's inbound webhook (for production,
where paygate's own SMTP listener is not behind the MX).

POST /inbound/email with `Authorization: Bearer <PAYGATE_INBOUND_SECRET>` (or HTTP Basic
with it as the password, as SendGrid's Inbound Parse and Mailgun's routes can send), and
the whole message in MIME: as the body (Content-Type message/rfc822), or in a form field
`email` (SendGrid, "POST the raw, full MIME message") or `body-mime` (Mailgun's
store-and-notify MIME URL). The envelope recipient, when the provider sends one, comes in
`to` or `recipient`; else the message's own To, Cc and Delivered-To headers are read."""

from __future__ import annotations

import base64
import hmac

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from paygate.domain.errors import InvalidInput, NotAuthenticated, NotFound
from paygate.web.auth import bearer_token, runtime


def _secret_of(request: Request) -> str | None:
    token = bearer_token(request)
    if token:
        return token
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip()).decode().partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            return None
    return None


async def inbound_email(request: Request) -> Response:
    rt = runtime(request)
    expected = rt.settings.inbound_secret
    if not expected:
        raise NotFound("Inbound email is not configured here.")
    given = _secret_of(request) or ""
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise NotAuthenticated("Send the inbound secret as a Bearer token or the Basic "
                               "password.")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    recipients: list[str] = []
    if kind in ("message/rfc822", "text/plain", "application/octet-stream"):
        raw = await request.body()
    else:
        async with request.form(max_files=2, max_fields=40,
                                max_part_size=26 * 1024 * 1024) as form:
            item = form.get("email") or form.get("body-mime")
            raw = (await item.read() if isinstance(item, UploadFile)
                   else str(item or "").encode())
            for name in ("to", "recipient"):
                value = form.get(name)
                if isinstance(value, str) and value:
                    recipients += [p.strip() for p in value.split(",") if p.strip()]
    if not raw.strip():
        raise InvalidInput("Send the message in MIME: the body, or the email or body-mime "
                           "field.")
    outcome = await rt.inbound.receive(raw, recipients)
    # 200 even when refused: a provider retries anything else, and a forged reply must not
    # be retried into the desk. The outcome says what happened.
    return JSONResponse({"outcome": str(outcome)})


def routes() -> list[Route]:
    return [Route("/inbound/email", inbound_email, methods=["POST"])]
